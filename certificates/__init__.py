"""Certificates: records, the PDF renderer (pdf.py), verification and issuing tasks."""
