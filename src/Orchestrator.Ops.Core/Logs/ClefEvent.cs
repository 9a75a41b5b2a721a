using System.Globalization;
using System.Text.Json;
using System.Text;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// One line of Serilog's compact JSON (CLEF): <c>@t</c> timestamp, <c>@l</c> level (absent: Information),
/// <c>@m</c> message or <c>@mt</c> template (rendered here with the event's properties), <c>@x</c> exception, and
/// the event's properties (a leading <c>@@</c> unescapes to <c>@</c>).
/// </summary>
internal sealed class ClefEvent
{
    public long? Ticks { get; private set; }

    public LogLevel Level { get; private set; } = LogLevel.Info;

    public string Message { get; private set; } = string.Empty;

    public string? Exception { get; private set; }

    public Dictionary<string, object?> Properties { get; } = new(StringComparer.Ordinal);

    /// <summary>Parses a line; false when it is not a JSON object.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out ClefEvent clef)
    {
        clef = new ClefEvent();
        string? template = null;
        string? message = null;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!reader.Read())
                {
                    return false;
                }

                switch (name)
                {
                    case "@t" when reader.TokenType == JsonTokenType.String:
                        if (reader.TryGetDateTimeOffset(out var t))
                        {
                            clef.Ticks = t.UtcTicks;
                        }
                        else if (DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out t))
                        {
                            clef.Ticks = t.UtcTicks;
                        }

                        break;
                    case "@l" when reader.TokenType == JsonTokenType.String:
                        var level = Encoding.UTF8.GetBytes(reader.GetString() ?? string.Empty);
                        clef.Level = LogLineParser.LevelOf(level, anyCase: true);
                        break;
                    case "@mt" when reader.TokenType == JsonTokenType.String:
                        template = reader.GetString();
                        break;
                    case "@m" when reader.TokenType == JsonTokenType.String:
                        message = reader.GetString();
                        break;
                    case "@x" when reader.TokenType == JsonTokenType.String:
                        clef.Exception = reader.GetString();
                        break;
                    default:
                        var value = ValueOf(ref reader);
                        if (name.StartsWith("@@", StringComparison.Ordinal))
                        {
                            clef.Properties[name[1..]] = value;
                        }
                        else if (!name.StartsWith('@'))
                        {
                            clef.Properties[name] = value;
                        }

                        break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        clef.Message = message ?? (template is null ? string.Empty : Render(template, clef.Properties));
        return true;
    }

    /// <summary>The error type: an ErrorType property, else the exception's type name, else the message's PascalCase first word.</summary>
    public string? ErrorType()
    {
        if (Properties.TryGetValue("ErrorType", out var v) && v is string { Length: > 0 } s)
        {
            return s;
        }

        if (Exception is { Length: > 0 } x)
        {
            var end = x.IndexOfAny([':', '\n', '\r', ' ']);
            var type = end < 0 ? x : x[..end];
            var dot = type.LastIndexOf('.');
            return dot >= 0 ? type[(dot + 1)..] : type;
        }

        var fromMessage = LogFields.ErrorType(Encoding.UTF8.GetBytes(Message.Length > 256 ? Message[..256] : Message));
        if (!fromMessage.IsEmpty)
        {
            return Encoding.UTF8.GetString(fromMessage);
        }

        return null;
    }

    /// <summary>A string property, if the event has it.</summary>
    public string? StringProperty(string name) => Properties.TryGetValue(name, out var v) && v is string s && s.Length > 0 ? s : null;

    /// <summary>A numeric property, if the event has it.</summary>
    public double? NumberProperty(string name) => Properties.TryGetValue(name, out var v) ? v switch
    {
        long l => l,
        double d => d,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    } : null;

    private static object? ValueOf(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var l))
                {
                    return l;
                }

                return reader.GetDouble();
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.Null:
                return null;
            default:
                using (var doc = JsonDocument.ParseValue(ref reader))
                {
                    return doc.RootElement.GetRawText();
                }
        }
    }

    private static string Format(IFormattable value, string? format)
    {
        try
        {
            return value.ToString(format is "l" or "j" or "lj" ? null : format, CultureInfo.InvariantCulture);
        }
        catch (FormatException)
        {
            return value.ToString(null, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Renders a message template: <c>{Name}</c>, <c>{@Name}</c>, <c>{$Name}</c>, <c>{Name:format}</c>, <c>{Name,width}</c>; <c>{{</c> and <c>}}</c> escape.</summary>
    internal static string Render(string template, IReadOnlyDictionary<string, object?> properties)
    {
        var sb = new StringBuilder(template.Length + 32);
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                sb.Append('{');
                i++;
                continue;
            }

            if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                sb.Append('}');
                i++;
                continue;
            }

            if (c == '{')
            {
                var close = template.IndexOf('}', i + 1);
                if (close > i + 1)
                {
                    var token = template.AsSpan(i + 1, close - i - 1);
                    if (token[0] is '@' or '$')
                    {
                        token = token[1..];
                    }

                    var cut = token.IndexOfAny(':', ',');
                    var format = cut >= 0 && token[cut] == ':' ? token[(cut + 1)..].ToString() : null;
                    var name = (cut < 0 ? token : token[..cut]).ToString();
                    if (properties.TryGetValue(name, out var value))
                    {
                        sb.Append(value switch
                        {
                            null => "null",
                            string s => s,
                            bool b => b ? "True" : "False",
                            IFormattable f => Format(f, format),
                            _ => value.ToString(),
                        });
                        i = close;
                        continue;
                    }
                }
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
