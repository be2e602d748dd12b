"""Safety and honesty: the emergency detector and the scope classifier, trained at start-up on the corpus's
triage files (corpus/triage/) over the same query vectors the search computes anyway."""
