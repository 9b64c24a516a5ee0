# Editing the economy chapter: the edit form, deciding and revising versions.

## The budget page: edit, decide, revise
budget-create-link = Start the budget
budget-actions-draft-heading = Edit and decide
budget-actions-decided-heading = Revise
budget-edit-link = Edit the budget
budget-decide-legend = Record the decision
budget-decide-intro = Once the budget is decided, the version is locked and can no longer be changed. Give the decision that adopted it.
budget-decide-reference-hint = For example RS 2019-12-10 §123.
budget-decide-date-hint = YYYY-MM-DD, for example 2019-12-10.
budget-decide-submit = Record the decision
budget-revise-note = Version { $number } is decided and locked. A revision starts a new draft with the same content; the decided version stays as it is.
budget-revise-intro = A revision starts a new draft with the decided budget's content. The decided version stays as it is.
budget-revise-submit = Revise
budget-conflict-stale = Someone else saved the budget after you opened the page. Your changes are not saved: open the saved version and make your change again.
budget-conflict-reload = Open the saved version
notice-budget-saved = The budget is saved.
notice-budget-decided = The budget is decided. The version is now locked.
notice-budget-revised = A revision has started as a new draft. The decided version is kept.

## The edit form
budget-edit-title = Edit budget { $year }: { $name }
budget-edit-crumb = Edit
budget-edit-new-lead = New budget. It is saved as a draft.
budget-edit-decided-lead = Version { $number }, decided
budget-edit-decided = Version { $number } is decided and cannot be changed.
budget-edit-back = Back to the budget
budget-edit-save = Save the budget
budget-edit-amount-hint = Amounts are in thousands of kronor (SEK thousand), in Swedish notation: for example 60 600,0 or −2 326,2 (a decimal point works too: 60600.0). Income is positive and costs negative. Amounts are never rounded: at most five decimals (whole öre).
budget-edit-budget-year = budget year
budget-edit-frames-caption = Frame per year, SEK thousand
budget-edit-phasing-legend = Regional compensation per month
budget-edit-phasing-even = 1/12 of the frame per month
budget-edit-phasing-day-count = By the number of days in each month
budget-edit-phasing-profile = By the saved phasing profile
budget-edit-rows-hint = Empty rows are not saved. Tick “Remove” to remove a row when you save.
budget-edit-distribution-caption = Frame per unit, SEK thousand
budget-edit-changes-hint = Give the reason and the amount for the years the change applies to; leave the other years empty.
budget-edit-changes-caption = Frame changes per year with their reason, SEK thousand
budget-edit-lines-hint = Annual amounts per unit and cost or income category. A new or changed annual amount is spread over the months by the regional compensation's phasing above. Rows with months of their own (marked) keep them as long as the annual amount is unchanged.
budget-edit-lines-caption = Budget lines, annual amounts in SEK thousand
budget-edit-own-months = Months of its own
budget-edit-col-row = Row
budget-edit-col-remove = Remove
budget-edit-more-frame-rows = More rows for the frame distribution
budget-edit-more-change-rows = More rows for frame changes
budget-edit-more-line-rows = More budget lines
budget-edit-choose-unit = Choose a unit
budget-edit-choose-category = Choose a cost or income category
budget-edit-unit-closed = closed
budget-edit-kept = Income-financed activities, compensations from the board's appropriation, result regulation, investment frames, the cost and income categories and the totals as printed are not edited here; they are saved as they are.
budget-edit-frame-year = Frame { $year } (SEK thousand)
budget-edit-amount-year = Amount { $year } (SEK thousand)
budget-edit-amount-not-a-number = The field “{ $field }” must be an amount in SEK thousand, for example 60 600,0 or −2 326,2.
budget-edit-amount-invalid-characters = The field “{ $field }” has a point followed by three digits, which may be a thousands separator. Write a decimal comma (12,345) or spaces between the thousands (12 345).
budget-edit-amount-too-many-decimals = The field “{ $field }” has more decimals than whole öre (at most five decimals in SEK thousand). The amount is not rounded.

## Field labels of the edit form (see crate::error::field_label)
field-frame-rows-item = Frame distribution, row { $n }
field-change-rows-item = Frame change, row { $n }
field-line-rows-item = Budget line { $n }
field-frame-tkr = Frame (SEK thousand)
field-previous-frame-tkr = Previous year's frame (SEK thousand)
field-amount-tkr = Amount (SEK thousand)
field-change-reason = Reason
