"""Review decisions on visits (approved / has_issues / rejected), their history, and feedback to the field."""
