"""The funder report in the background."""

from __future__ import annotations

from celery import shared_task

from certificates.services.storage import store_atomically

from .generate import funder_report_filters, render_funder_report


@shared_task(acks_late=True, reject_on_worker_lost=True)
def generate_funder_report_task(query: dict[str, str], language: str, name: str) -> str:
    """Render the funder report of `query` (the filters as query parameters,
    `ReportFilters.as_query()`) in `language` and store it at `name` in the default storage,
    published whole (`store_atomically`); returns the stored name. Only reads and overwrites
    `name`, so it is safe to run twice. Filters that no longer hold raise InvalidFilters: no
    retry can help.

    Workers know this task once `reports.tasks` imports it (Celery discovers `<app>.tasks`).
    """
    pdf = render_funder_report(funder_report_filters(query), language=language)
    return store_atomically(name, pdf)
