"""Domain events of courses, for other apps to hang work on.

course_completed: sent once per enrolment, after the transaction that completed it commits.
Receivers get `enrolment_id` (an int) and should enqueue their work (a task), not do it inline.
"""

from django.dispatch import Signal

course_completed = Signal()
