"""What can be exported, who may ask, and the table each export is: a header of typed columns
and rows read as they are written.

Each kind checks a request once (`check`: the parameters, then whether the user may have it;
Http404 when out of reach, so that existence does not leak, ValidationError naming the
parameter for bad input) and gives it a canonical form, which a background job stores and
checks again when it runs and when its file is downloaded. Figures come from the same reads as
the pages: the cohort dashboard (courses.dashboard), the report rows and the suppressed
statistics (reports.queries, reports.statistics), the question analysis (quizzes.statistics).

- `cohort_progress`: a cohort's progress matrix, one row per participant, as filtered and
  sorted on the dashboard. The cohort's facilitators and admins. Personal.
- `completions`: one row per enrolment of a report. Admins. Personal.
- `statistics`: a report's suppressed figures by one breakdown (or per quiz). Admins.
  Aggregate only: no names, emails or ids, and "<K" stays "<K". Fit for funders.
- `item_analysis`: a quiz's questions and answer shares for a cohort (its facilitators and
  admins) or every cohort (admins), suppressed as on the page. Aggregate.
- `funder_pdf`: the funder report (reports.funder), a PDF of a report's suppressed statistics
  in the requester's language. Admins. Aggregate. A document: always prepared in the
  background.
"""

from .base import Kind
from .cohort_progress import CohortProgress
from .completions import COMPLETION_VALUES, Completions
from .funder_pdf import FunderPdf
from .item_analysis import ItemAnalysis
from .statistics import Statistics

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (CohortProgress(), Completions(), Statistics(), ItemAnalysis(), FunderPdf())
}

__all__ = ["COMPLETION_VALUES", "KINDS", "Kind"]
