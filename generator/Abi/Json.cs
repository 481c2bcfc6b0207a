using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Iommu.Abi;

/// <summary>A JSON value with the line and column it starts at, so model errors point into the file.
/// Analyzers cannot bring System.Text.Json along safely, and it would not give positions anyway.</summary>
internal abstract class JsonNode
{
    public int Line { get; set; }
    public int Column { get; set; }
}

internal sealed class JsonObject : JsonNode
{
    public List<KeyValuePair<string, JsonNode>> Members { get; } = new();

    public JsonNode? this[string name]
    {
        get
        {
            foreach (var member in Members)
            {
                if (member.Key == name) return member.Value;
            }
            return null;
        }
    }
}

internal sealed class JsonArray : JsonNode
{
    public List<JsonNode> Items { get; } = new();
}

internal sealed class JsonString : JsonNode
{
    public JsonString(string value) => Value = value;
    public string Value { get; }
}

internal sealed class JsonNumber : JsonNode
{
    public JsonNumber(string text) => Text = text;
    public string Text { get; }
}

internal sealed class JsonLiteral : JsonNode
{
    public JsonLiteral(bool? value) => Value = value;
    public bool? Value { get; }
}

/// <summary>A strict RFC 8259 reader (no comments, no trailing commas); a syntax error is a <see cref="ModelFormatException"/> at its position.</summary>
internal sealed class JsonReader
{
    private readonly string _text;
    private int _position;
    private int _line;
    private int _lineStart;

    private JsonReader(string text) => _text = text;

    public static JsonNode Parse(string text)
    {
        var reader = new JsonReader(text);
        var value = reader.Value();
        reader.SkipWhitespace();
        if (reader._position != text.Length) throw reader.Error("unexpected text after the JSON value");
        return value;
    }

    private ModelFormatException Error(string message) => new(message, _line, _position - _lineStart);

    private void SkipWhitespace()
    {
        while (_position < _text.Length)
        {
            var c = _text[_position];
            if (c == '\n')
            {
                _line++;
                _lineStart = _position + 1;
            }
            else if (c != ' ' && c != '\t' && c != '\r')
            {
                return;
            }
            _position++;
        }
    }

    private JsonNode Value()
    {
        SkipWhitespace();
        if (_position >= _text.Length) throw Error("unexpected end of file");
        int line = _line, column = _position - _lineStart;
        JsonNode node = _text[_position] switch
        {
            '{' => Object(),
            '[' => Array(),
            '"' => new JsonString(String()),
            't' => Word("true", new JsonLiteral(true)),
            'f' => Word("false", new JsonLiteral(false)),
            'n' => Word("null", new JsonLiteral(null)),
            _ => Number(),
        };
        node.Line = line;
        node.Column = column;
        return node;
    }

    private JsonNode Word(string word, JsonNode node)
    {
        if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0) throw Error($"expected '{word}'");
        _position += word.Length;
        return node;
    }

    private JsonObject Object()
    {
        var result = new JsonObject();
        _position++;
        SkipWhitespace();
        if (Peek() == '}')
        {
            _position++;
            return result;
        }
        while (true)
        {
            SkipWhitespace();
            if (Peek() != '"') throw Error("expected a property name");
            var name = String();
            SkipWhitespace();
            Expect(':');
            result.Members.Add(new KeyValuePair<string, JsonNode>(name, Value()));
            SkipWhitespace();
            if (Peek() == ',')
            {
                _position++;
                continue;
            }
            if (Peek() != '}') throw Error("expected ',' or '}' after a property");
            _position++;
            return result;
        }
    }

    private JsonArray Array()
    {
        var result = new JsonArray();
        _position++;
        SkipWhitespace();
        if (Peek() == ']')
        {
            _position++;
            return result;
        }
        while (true)
        {
            result.Items.Add(Value());
            SkipWhitespace();
            if (Peek() == ',')
            {
                _position++;
                continue;
            }
            if (Peek() != ']') throw Error("expected ',' or ']' after an array item");
            _position++;
            return result;
        }
    }

    private char Peek() => _position < _text.Length ? _text[_position] : '\0';

    private void Expect(char c)
    {
        if (Peek() != c) throw Error($"expected '{c}'");
        _position++;
    }

    private string String()
    {
        _position++;
        var builder = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length) throw Error("unterminated string");
            var c = _text[_position++];
            if (c == '"') return builder.ToString();
            if (c == '\n') throw Error("newline in string");
            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }
            var escape = _position < _text.Length ? _text[_position++] : '\0';
            switch (escape)
            {
                case '"': builder.Append('"'); break;
                case '\\': builder.Append('\\'); break;
                case '/': builder.Append('/'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u':
                    if (_position + 4 > _text.Length ||
                        !int.TryParse(_text.Substring(_position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                    {
                        throw Error("bad \\u escape");
                    }
                    builder.Append((char)code);
                    _position += 4;
                    break;
                default: throw Error($"bad escape '\\{escape}'");
            }
        }
    }

    private JsonNumber Number()
    {
        var start = _position;
        if (Peek() == '-') _position++;
        while (_position < _text.Length && (char.IsDigit(_text[_position]) || _text[_position] is '.' or 'e' or 'E' or '+' or '-'))
        {
            _position++;
        }
        if (_position == start || (_position == start + 1 && _text[start] == '-')) throw Error($"unexpected character '{_text[start]}'");
        return new JsonNumber(_text.Substring(start, _position - start));
    }
}
