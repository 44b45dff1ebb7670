"""Text normalisation for Vietnamese plan documents."""
