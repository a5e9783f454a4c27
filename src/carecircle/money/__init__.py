"""Money: dated pay and charge rates, timesheets from visit records, invoices and personal
budgets, outcome-based payments (issue 17)."""
