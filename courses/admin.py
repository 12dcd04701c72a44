from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from quizzes.models import Quiz

from .models import Cohort, Course, Enrolment, EnrolmentStatus, Lesson, Module, ModuleDueDate
from .services.enrolment import withdraw
from .services.publishing import publish_course


class ModuleInline(admin.TabularInline):
    model = Module
    fields = ["order", "title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    extra = 0
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = [
        "title", "slug", "language", "translation_of", "published", "order", "estimated_hours",
    ]  # fmt: skip
    list_editable = ["published", "order"]
    list_filter = ["published", "language"]
    list_select_related = ["translation_of"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ModuleInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "translation_of":  # only originals can be translated (one level)
            kwargs["queryset"] = Course.objects.filter(translation_of__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)  # the list's Published column too
        if obj.published:
            publish_course(obj)


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


class ModuleDueDateInline(admin.TabularInline):
    model = ModuleDueDate
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "module" and request.resolver_match.kwargs.get("object_id"):
            cohort_id = request.resolver_match.kwargs["object_id"]
            kwargs["queryset"] = Module.objects.filter(course__cohorts=cohort_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "course", "is_default", "starts_on", "ends_on", "enrolment_open",
                    "capacity", "closed_at"]  # fmt: skip
    list_filter = ["course", "enrolment_open", "is_default", "certificates_at_close"]
    search_fields = ["name", "course__title"]
    list_select_related = ["course"]
    filter_horizontal = ["facilitators"]
    inlines = [ModuleDueDateInline]
    readonly_fields = ["is_default", "closed_at"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "cohort", "status", "enrolled_at", "completed_at"]
    list_filter = ["status", "course", "cohort"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "course", "cohort"]
    raw_id_fields = ["user", "last_lesson", "enrolled_by"]
    readonly_fields = ["course", "enrolled_at", "completed_at", "withdrawn_at"]
    actions = ["withdraw_selected"]

    @admin.action(description=_("Withdraw the selected enrolments (progress is kept)"))
    def withdraw_selected(self, request, queryset):
        withdrawn = 0
        for enrolment in queryset.filter(status=EnrolmentStatus.ACTIVE):
            if withdraw(enrolment, by=request.user):  # not withdrawn meanwhile by someone else
                withdrawn += 1
        self.message_user(
            request,
            ngettext("%(count)d enrolment withdrawn.", "%(count)d enrolments withdrawn.", withdrawn)
            % {"count": withdrawn},
        )

    def has_add_permission(self, request):
        return False  # enrolments are made through enrol (course page, API, CSV upload)

    def has_change_permission(self, request, obj=None):
        return False  # status changes go through the services, which keep their rules

    def has_delete_permission(self, request, obj=None):
        return False  # withdraw instead: progress, attempts and certificates hang on it
