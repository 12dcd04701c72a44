"""Domain events of courses, for other apps to hang work on.

course_completed: sent once per enrolment, after the transaction that completed it commits.
Receivers get `enrolment_id` (an int) and should enqueue their work (a task), not do it inline.

cohort_closed: sent once per cohort, after the transaction that closed it commits. Receivers get
`cohort_id` and `closed_by_id` (ints; closed_by_id may be None) and should enqueue their work.
"""

from django.dispatch import Signal

course_completed = Signal()
cohort_closed = Signal()
