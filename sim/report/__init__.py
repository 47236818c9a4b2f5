"""From per-replicate metrics to what people read: summaries with intervals (summary.json),
result folders written atomically, sweep tables, figures and comparisons."""
