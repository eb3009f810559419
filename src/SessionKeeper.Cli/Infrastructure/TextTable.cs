namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// A plain text table: columns as wide as their widest cell (a long id or host name widens its
/// column instead of shifting the rest of its row), two spaces apart, the last column unpadded.
/// Cells are made visible (<see cref="TerminalText.Visible"/>) before they are measured.
/// </summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [headers];
    private readonly HashSet<int> _right = [];

    /// <summary>Right-aligns a column (numbers).</summary>
    public TextTable AlignRight(int column)
    {
        _right.Add(column);
        return this;
    }

    public void Add(params string[] cells) => _rows.Add([.. cells.Select(TerminalText.Visible)]);

    public void WriteTo(TextWriter writer)
    {
        var widths = new int[headers.Length];
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length - 1; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (var row in _rows)
        {
            var line = new System.Text.StringBuilder();
            for (var i = 0; i < row.Length; i++)
            {
                var last = i == row.Length - 1;
                line.Append(last ? row[i] : _right.Contains(i) ? row[i].PadLeft(widths[i]) : row[i].PadRight(widths[i]));
                if (!last)
                {
                    line.Append("  ");
                }
            }

            writer.WriteLine(line.ToString().TrimEnd());
        }
    }
}
