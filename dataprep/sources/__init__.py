"""Per-source preparers (issue 12): readers for each source's real distribution format and the
stages that apply that source's own rules, each rule a drop reason. One module per source."""
