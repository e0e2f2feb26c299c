"""Per-household assessments: each household's current level and rubric indicators, per assessment form."""
