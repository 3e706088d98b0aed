"""One self-contained HTML file of sweeps' results: opens in any browser, no server, no network."""

from fertui.sweeps.webreport.page import build_report, write_report

__all__ = ["build_report", "write_report"]
