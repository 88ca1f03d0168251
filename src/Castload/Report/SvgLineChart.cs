using System.Globalization;
using System.Net;
using System.Text;

namespace Castd.Castload.Report;

/// <summary>A line chart as inline SVG: no script, no library, so the report is one file that opens anywhere.</summary>
internal sealed class SvgLineChart(string id, string title, string xLabel, string yLabel)
{
    private const int Width = 920;
    private const int Height = 300;

    /// <summary>Room for the axis labels and tick values around the plot area.</summary>
    private const int Left = 70, Right = 150, Top = 34, Bottom = 46;

    private readonly List<(string Name, string Color, IReadOnlyList<(double X, double Y)> Points)> _series = [];

    public SvgLineChart Add(string name, string color, IEnumerable<(double X, double? Y)> points)
    {
        _series.Add((name, color, [.. points.Where(p => p.Y is not null).Select(p => (p.X, p.Y!.Value))]));
        return this;
    }

    public string ToSvg()
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg id=\"{id}\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"20\" class=\"title\">{WebUtility.HtmlEncode(title)}</text>");
        var points = _series.SelectMany(s => s.Points).ToList();
        if (points.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\" class=\"empty\">no data</text></svg>");
            return svg.ToString();
        }
        var (x0, x1) = (points.Min(p => p.X), points.Max(p => p.X));
        var yMax = NiceCeiling(points.Max(p => p.Y));
        if (x1 <= x0)
        {
            x1 = x0 + 1;
        }
        double Px(double x) => Left + (x - x0) / (x1 - x0) * (Width - Left - Right);
        double Py(double y) => Height - Bottom - y / yMax * (Height - Top - Bottom);

        for (var i = 0; i <= 4; i++)
        {
            var y = yMax * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Py(y):0.#}\" y2=\"{Py(y):0.#}\" class=\"grid\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{Py(y) + 4:0.#}\" text-anchor=\"end\">{Tick(y)}</text>");
        }
        var xStep = NiceCeiling((x1 - x0) / 5);
        for (var x = Math.Ceiling(x0 / xStep) * xStep; x <= x1 + xStep / 1000; x += xStep)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Px(x):0.#}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{Tick(x)}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" class=\"frame\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 8}\" text-anchor=\"middle\">{WebUtility.HtmlEncode(xLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(16 {(Top + Height - Bottom) / 2}) rotate(-90)\" text-anchor=\"middle\">{WebUtility.HtmlEncode(yLabel)}</text>");
        for (var i = 0; i < _series.Count; i++)
        {
            var (name, color, series) = _series[i];
            var path = string.Join(' ', series.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Px(p.X):0.#},{Py(p.Y):0.#}")));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline class=\"series\" data-series=\"{WebUtility.HtmlEncode(name)}\" points=\"{path}\" stroke=\"{color}\"/>");
            var legendY = Top + 10 + i * 18;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Width - Right + 12}\" x2=\"{Width - Right + 32}\" y1=\"{legendY}\" y2=\"{legendY}\" stroke=\"{color}\" stroke-width=\"3\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 38}\" y=\"{legendY + 4}\">{WebUtility.HtmlEncode(name)}</text>");
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>The axis top: 1, 2 or 5 times a power of ten at or above the largest value, so ticks are round.</summary>
    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        return new[] { 1, 2, 5, 10 }.Select(m => m * power).First(m => m >= value);
    }

    private static string Tick(double value) => value.ToString(Math.Abs(value) >= 100 ? "0" : "0.##", CultureInfo.InvariantCulture);
}
