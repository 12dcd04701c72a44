from django.contrib import admin

from .models import Attempt, Choice, MatchPair, Question, Quiz


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["order", "key", "type", "prompt", "points"]
    extra = 0
    show_change_link = True


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "module", "order", "pass_mark", "max_attempts"]
    list_filter = ["course"]
    list_editable = ["order"]
    search_fields = ["title", "slug"]
    inlines = [QuestionInline]
    list_select_related = ["course", "module"]


class ChoiceInline(admin.TabularInline):
    model = Choice
    fields = ["order", "key", "text", "is_correct", "feedback"]
    extra = 0


class MatchPairInline(admin.TabularInline):
    model = MatchPair
    fields = ["order", "key", "prompt", "answer"]
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["key", "quiz", "type", "order", "points"]
    list_filter = ["type", "quiz__course"]
    search_fields = ["key", "prompt"]
    inlines = [ChoiceInline, MatchPairInline]
    list_select_related = ["quiz"]

    def get_readonly_fields(self, request, obj=None):
        # A question stays in the quiz it was written for: moved, it would drop out of that
        # quiz's attempts and scores (docs/quizzes.md). A new one is written in the other quiz.
        return ["quiz"] if obj is not None else []


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """Attempts are read here, never edited: grades come from the engine only."""

    list_display = ["user", "quiz", "number", "status", "score", "passed", "started_at"]
    list_filter = ["status", "passed", "quiz__course"]
    search_fields = ["user__email", "user__full_name", "quiz__title"]
    list_select_related = ["user", "quiz"]
    raw_id_fields = ["user", "quiz"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting an attempt would free an attempt under the quiz's limit and leave standing a
        # completion that its pass earned.
        return False
