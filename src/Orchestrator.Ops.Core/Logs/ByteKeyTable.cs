namespace Orchestrator.Ops.Core.Logs;

/// <summary>Numbers distinct byte strings (error types, wrappers, clients) so a line's key is found without making a string.</summary>
internal sealed class ByteKeyTable
{
    private readonly List<byte[]> _keys = [];
    private readonly List<uint> _hashes = [];
    private int[] _slots = new int[64];

    public int Count => _keys.Count;

    public int GetOrAdd(ReadOnlySpan<byte> key)
    {
        var hash = Hash(key);
        var mask = _slots.Length - 1;
        var i = (int)(hash & (uint)mask);
        while (true)
        {
            var slot = _slots[i];
            if (slot == 0)
            {
                var id = _keys.Count;
                _keys.Add(key.ToArray());
                _hashes.Add(hash);
                _slots[i] = id + 1;
                if (_keys.Count * 2 > _slots.Length)
                {
                    Grow();
                }

                return id;
            }

            if (_hashes[slot - 1] == hash && key.SequenceEqual(_keys[slot - 1]))
            {
                return slot - 1;
            }

            i = (i + 1) & mask;
        }
    }

    public int GetOrAdd(string key) => GetOrAdd(System.Text.Encoding.UTF8.GetBytes(key));

    /// <summary>The text of a key.</summary>
    public string NameOf(int id) => LogText.Decode(_keys[id]);

    private void Grow()
    {
        _slots = new int[_slots.Length * 2];
        var mask = _slots.Length - 1;
        for (var id = 0; id < _keys.Count; id++)
        {
            var i = (int)(_hashes[id] & (uint)mask);
            while (_slots[i] != 0)
            {
                i = (i + 1) & mask;
            }

            _slots[i] = id + 1;
        }
    }

    private static uint Hash(ReadOnlySpan<byte> key)
    {
        var h = 2166136261u;
        foreach (var b in key)
        {
            h = (h ^ b) * 16777619u;
        }

        return h ^ (h >> 15);
    }
}
