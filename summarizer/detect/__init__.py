"""Detection evidence for the assess stage: surface slips, LM fluency, bilingual and
cross-source evidence, and the trained combiner that turns them into a score."""
