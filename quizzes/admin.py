from django.contrib import admin

from .models import Choice, MatchPair, Question, Quiz


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
