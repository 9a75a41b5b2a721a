using System.Text;
using System.Text.Json;

namespace Orchestrator.Ops.Core.Configuration;

/// <summary>Maps JSON paths ($.a.b[0]) to the 1-based line where the value starts, so problems can name a line.</summary>
internal sealed class JsonLineMap
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    public static JsonLineMap Build(byte[] utf8)
    {
        var map = new JsonLineMap();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        var stack = new Stack<Frame>();
        var path = new StringBuilder("$");
        string? pendingProperty = null;
        var newlines = 0;
        long scanned = 0;

        int LineAt(long index)
        {
            for (; scanned < index && scanned < utf8.Length; scanned++)
            {
                if (utf8[scanned] == (byte)'\n')
                {
                    newlines++;
                }
            }

            return newlines + 1;
        }

        string ValuePath()
        {
            if (stack.Count == 0)
            {
                return "$";
            }

            var top = stack.Peek();
            return top.IsArray ? $"{top.Path}[{top.Index}]" : $"{top.Path}.{pendingProperty}";
        }

        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pendingProperty = reader.GetString();
                        map._lines[$"{stack.Peek().Path}.{pendingProperty}"] = LineAt(reader.TokenStartIndex);
                        continue;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                    {
                        var p = ValuePath();
                        map._lines.TryAdd(p, LineAt(reader.TokenStartIndex));
                        Advance(stack);
                        stack.Push(new Frame(p, reader.TokenType == JsonTokenType.StartArray));
                        continue;
                    }

                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        stack.Pop();
                        continue;
                    default:
                    {
                        var p = ValuePath();
                        map._lines.TryAdd(p, LineAt(reader.TokenStartIndex));
                        Advance(stack);
                        continue;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // The document itself reports the parse error; a partial map is still useful.
        }

        return map;

        static void Advance(Stack<Frame> frames)
        {
            if (frames.Count > 0 && frames.Peek().IsArray)
            {
                frames.Peek().Index++;
            }
        }
    }

    public int? LineOf(string jsonPath)
    {
        for (var p = jsonPath; p.Length > 0;)
        {
            if (_lines.TryGetValue(p, out var line))
            {
                return line;
            }

            var cut = Math.Max(p.LastIndexOf('.'), p.LastIndexOf('['));
            if (cut <= 0)
            {
                break;
            }

            p = p[..cut];
        }

        return null;
    }

    private sealed class Frame(string path, bool isArray)
    {
        public string Path { get; } = path;
        public bool IsArray { get; } = isArray;
        public int Index { get; set; }
    }
}
