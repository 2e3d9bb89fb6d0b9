"""Workforce (issue 17): status intervals and timesheets, staffing, forecasts."""
