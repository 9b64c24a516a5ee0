# Indicators that take their values from the budget (budget_source).
