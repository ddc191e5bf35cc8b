"""Rules for showing runs that the HTML reports (`reglab.report`) and the dashboard
(`reglab.ui`) share, each in its own small module without matplotlib or PyTorch, so the
dashboard reads them without loading the reports' figure code:

- `line_widths.run_widths`: the line width of each run in a figure of several runs;
- `pruned_weights.split_pruned`: a layer's weights without its pruned (exact) zeros, and
  the note that counts them;
- `stop_reason.stop_reason_text`: an early stop's reason with its value in the format of
  the metric's column.
"""
