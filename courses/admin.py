from django.contrib import admin

from quizzes.models import Quiz

from .models import Course, Lesson, Module


class ModuleInline(admin.TabularInline):
    model = Module
    fields = ["order", "title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    extra = 0
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "language", "published", "order", "estimated_hours"]
    list_editable = ["published", "order"]
    list_filter = ["published", "language"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ModuleInline]


class LessonInline(admin.StackedInline):
    model = Lesson
    fields = ["order", "title", "slug", "estimated_minutes", "body"]
    prepopulated_fields = {"slug": ["title"]}
    extra = 0
    show_change_link = True


class QuizInline(admin.TabularInline):
    model = Quiz
    fields = ["order", "title", "slug", "pass_mark", "max_attempts"]
    extra = 0
    show_change_link = True


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "order"]
    list_editable = ["order"]
    list_filter = ["course"]
    search_fields = ["title", "slug"]
    list_select_related = ["course"]
    inlines = [LessonInline, QuizInline]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "module", "order", "estimated_minutes"]
    list_editable = ["order"]
    list_filter = ["course"]
    search_fields = ["title", "slug", "body"]
    list_select_related = ["course", "module"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["module", "title", "slug", "order", "estimated_minutes", "body"]
