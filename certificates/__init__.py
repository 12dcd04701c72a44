"""Certificates: records, the PDF renderer (the pdf package), verification, issuing tasks and
work on a whole cohort's certificates (batches)."""
