using System.Text;

namespace Compiled.Nets.Generators.Emit;

/// <summary>An indented writer for emitted source; newlines are always '\n' so output is the same on every OS.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    public SourceWriter Line(string text = "")
    {
        if (text.Length > 0) _builder.Append(' ', _indent * 4).Append(text);
        _builder.Append('\n');
        return this;
    }

    public SourceWriter Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Open()
    {
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        return Line("}" + suffix);
    }

    /// <summary>One level deeper without a brace (a raw string literal's lines).</summary>
    public SourceWriter Indent() { _indent++; return this; }

    public SourceWriter Outdent() { _indent--; return this; }

    public override string ToString() => _builder.ToString();
}
