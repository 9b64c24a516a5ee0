# Indicators that take their values from the budget (budget_source).

# The object form: where an indicator's values come from.
field-budget-figure = Values taken from the budget
field-budget-category = Budget row
hint-budget-figure = The outcome is then not typed: it is read from the budget follow-up of the unit and the units below it, in the indicator's unit (mkr, tkr or kr). The assessment and the comment are written as usual.
hint-budget-category = The result or an income or cost category. Costs are shown as positive amounts; variances keep their sign (positive = better than budget).
budget-figure-none = No, the outcome is typed
budget-figure-actual-month = Actual for the month
budget-figure-actual-ytd = Actual year to date
budget-figure-forecast-year = Full-year forecast
budget-figure-variance-ytd = Variance against budget, year to date
budget-figure-variance-year = Full-year forecast against budget
budget-figure-budget-year = Budget for the year
budget-row-result = Result (income and costs)

# The API's `budget_source.figure` and `budget_source.category` in messages.
field-budget-source = Values taken from the budget
field-figure = Budget figure

# The follow-up window: the outcome is read, not typed.
budget-figure-short-actual-month = actual for the month
budget-figure-short-actual-ytd = actual year to date
budget-figure-short-forecast-year = full-year forecast
budget-figure-short-variance-ytd = variance against budget year to date
budget-figure-short-variance-year = full-year variance against budget
budget-figure-short-budget-year = budget for the year
budget-row-result-short = result
# $value: the figure (full-year forecast), $name: the row (result, 40 Staff costs).
budget-source-note = Taken from the budget: { $value }, { $name }
budget-source-outcome-refused = The outcome is taken from the budget and is not typed. You can write the assessment and the comment.
