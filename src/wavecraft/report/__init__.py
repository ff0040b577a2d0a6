"""HTML reports: figures, tables and audio players in one self-describing page."""

from wavecraft.report.html import Report

__all__ = ["Report"]
