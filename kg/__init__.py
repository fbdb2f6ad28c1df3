"""alskg: a knowledge graph of ALS mechanisms curated from five Japanese research documents."""
