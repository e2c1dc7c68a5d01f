"""pcc-report: reproducible quarterly performance reports for Police and Crime Panels."""

__version__ = "0.1.0"
