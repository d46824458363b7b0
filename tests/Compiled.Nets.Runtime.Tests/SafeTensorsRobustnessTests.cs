using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Compiled.Nets.IO;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// Issue 11: nothing a caller passes can corrupt weights or a weight file. Over ten thousand deterministic
/// mutations of valid files must each either load exactly what an independent reading of the bytes says they
/// hold, or be refused with an <see cref="InvalidDataException"/> that leaves the destination bit for bit as it
/// was; and a save killed at any point leaves the old or the new file whole at the path.
/// </summary>
public sealed class SafeTensorsRobustnessTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _dir = new();

    public SafeTensorsRobustnessTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// The network every file is loaded into: a 4-D tensor, a matrix, vectors, a scalar and an empty tensor;
    /// Hidden.bias and Output.weight both hold 5 floats, so that swapping their offsets still gives a valid file.
    /// </summary>
    private static readonly (string Name, int[] Shape)[] Network =
    {
        ("Conv.weight", new[] { 2, 1, 3, 3 }),
        ("Conv.bias", new[] { 2 }),
        ("Hidden.weight", new[] { 5, 3 }),
        ("Hidden.bias", new[] { 5 }),
        ("Output.weight", new[] { 1, 5 }),
        ("Norm.running_var", new[] { 4 }),
        ("scale", Array.Empty<int>()),
        ("empty", new[] { 0 }),
    };

    private static int Elements(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    private static readonly int ArenaLength = Network.Sum(t => Elements(t.Shape));

    private static (NamedTensor[] Tensors, float[] Arena) Destination()
    {
        var arena = new float[ArenaLength];
        var tensors = new NamedTensor[Network.Length];
        int offset = 0;
        for (int i = 0; i < Network.Length; i++)
        {
            tensors[i] = new NamedTensor(Network[i].Name, Network[i].Shape, arena, offset);
            offset += tensors[i].Length;
        }
        return (tensors, arena);
    }

    // ---- valid files to start from ----

    /// <summary>
    /// The values of base file <paramref name="variant"/>: Gaussian, with -0, a denormal and the largest float in
    /// places, so that a loader that rounds or flushes them shows.
    /// </summary>
    private static float[] Values(int variant)
    {
        var random = new SeededRandom(1000 + variant);
        var values = new float[ArenaLength];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextGaussian();
        values[variant % values.Length] = -0f;
        values[(variant + 7) % values.Length] = float.Epsilon;
        values[(variant + 13) % values.Length] = -float.MaxValue;
        return values;
    }

    /// <summary>A file as Save writes it; its metadata note grows by a byte per variant, so the 8 variants pad their headers with 0 to 7 spaces.</summary>
    private static byte[] SavedFile(int variant)
    {
        var (tensors, arena) = Destination();
        Values(variant).CopyTo(arena, 0);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünï " + new string('n', variant) };
        var stream = new MemoryStream();
        SafeTensors.Save(tensors, stream, metadata);
        return stream.ToArray();
    }

    private static int HeaderLength(byte[] file) => (int)BinaryPrimitives.ReadUInt64LittleEndian(file);

    /// <summary>One tensor of a hand-built header, every part as JSON text so that a mutation can put anything there.</summary>
    private sealed class DraftEntry
    {
        public required string Key;        // the name as JSON, quotes included
        public string DType = "\"F32\"";
        public required string Shape;
        public long Begin, End;
        public string? Offsets;            // replaces [Begin,End]
        public bool OmitDType, OmitShape, OmitOffsets;
        public string Extra = "";          // more members inside the entry, each starting with ','
        public string? Value;              // replaces the whole entry

        public string Json()
        {
            if (Value is not null) return Value;
            var fields = new List<string>();
            if (!OmitDType) fields.Add("\"dtype\":" + DType);
            if (!OmitShape) fields.Add("\"shape\":" + Shape);
            if (!OmitOffsets) fields.Add("\"data_offsets\":" + (Offsets ?? $"[{Begin},{End}]"));
            return "{" + string.Join(",", fields) + Extra + "}";
        }
    }

    /// <summary>A file built from header parts, for the mutations that edit the JSON rather than bytes.</summary>
    private sealed class Draft
    {
        public string? Metadata;                             // __metadata__'s value as JSON; null: none
        public required List<DraftEntry> Entries;
        public List<string> ExtraMembers = new();            // more root members as "key":value text
        public string Separator = ",";
        public string Before = "", After = "";               // around the root object, before the padding
        public bool Align = true;                            // pad with spaces to 8 bytes, as Save does
        public byte[]? Splice;                               // raw bytes that replace the first '§' of the header
        public required List<byte> Data;
        public string? RootOverride;                         // replaces the whole JSON text
        public long LengthDelta;                             // added to the true header length in the length field

        public void SetFloatBits(int element, int bits)
        {
            if (4 * element + 4 > Data.Count) return; // an earlier edit shortened the data
            for (int i = 0; i < 4; i++) Data[4 * element + i] = (byte)(bits >> (8 * i));
        }

        public byte[] ToFile()
        {
            var members = new List<string>();
            if (Metadata is not null) members.Add("\"__metadata__\":" + Metadata);
            foreach (DraftEntry entry in Entries) members.Add(entry.Key + ":" + entry.Json());
            members.AddRange(ExtraMembers);
            string text = Before + (RootOverride ?? "{" + string.Join(Separator, members) + "}") + After;
            byte[] header = Encoding.UTF8.GetBytes(text);
            byte[] mark = Encoding.UTF8.GetBytes("§");
            int at = header.AsSpan().IndexOf(mark);
            if (Splice is not null && at >= 0) // a second edit may have removed the '§'
                header = [.. header[..at], .. Splice, .. header[(at + mark.Length)..]];
            if (Align) header = [.. header, .. Enumerable.Repeat((byte)' ', (8 - header.Length % 8) % 8)];
            var file = new byte[8 + header.Length + Data.Count];
            BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)(header.Length + LengthDelta));
            header.CopyTo(file, 8);
            Data.CopyTo(file, 8 + header.Length);
            return file;
        }
    }

    private static string Quote(string name) => JsonSerializer.Serialize(name);

    /// <summary>The valid file of <paramref name="variant"/> as a draft: tensors in network order, tiling the data section.</summary>
    private static Draft ValidDraft(int variant)
    {
        float[] values = Values(variant);
        var data = new List<byte>();
        foreach (float v in values)
        {
            var four = new byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(four, v);
            data.AddRange(four);
        }
        var entries = new List<DraftEntry>();
        long offset = 0;
        foreach (var (name, shape) in Network)
        {
            long end = offset + 4L * Elements(shape);
            entries.Add(new DraftEntry { Key = Quote(name), Shape = "[" + string.Join(",", shape) + "]", Begin = offset, End = end });
            offset = end;
        }
        return new Draft { Entries = entries, Data = data, Metadata = variant % 2 == 0 ? "{\"format\":\"pt\"}" : null };
    }

    // ---- the mutations ----

    private static readonly string[] DTypes = { "\"F16\"", "\"BF16\"", "\"F64\"", "\"I32\"", "\"U8\"", "\"f32\"", "\"F32 \"", "\"\"", "\"F4\"", "\"C64\"", "\"Q32\"", "32", "null", "[\"F32\"]", "\"F\\u0033\\u0032\"" };

    private static readonly string[] Shapes = { "[]", "[0]", "[-1]", "[1.0]", "[\"5\"]", "[5,3,1]", "[3,5]", "[15]", "[1,15]", "[4611686018427387904,4]", "[9223372036854775807,2]", "[18446744073709551616]", "null", "{}", "[[5],3]", "[5,3", "[5 3]" };

    private static readonly string[] OffsetForms = { "[0]", "[0,4,8]", "[]", "[\"0\",\"4\"]", "[-4,0]", "[0.0,4.0]", "[0,4e0]", "null", "{}", "[0,18446744073709551616]", "[9223372036854775807,9223372036854775807]", "[1e400,0]" };

    private static readonly string[] MetadataValues =
    {
        "{\"k\":1}", "{\"k\":null}", "{\"k\":true}", "{\"k\":{}}", "{\"k\":[]}", "1", "null", "\"s\"", "[]",
        "{}", "{\"k\":\"v\",\"k\":\"w\"}", "{\"k\":\"\\ud83d\\ude00\"}", "{\"k\":\"\\ud83d\"}", "{\"k\":\"\\ude00x\"}", "{\"\\u006b\":\"v\",\"k\":\"v\"}",
        "{\"k\":\"v\\u0000\"}", "{\"k\":\"tab\\there\"}", "{\"k\":\"raw\ttab\"}", "{\"k\":\"v\"", "{\"k\" \"v\"}", "{\"k\":\"v\",}",
    };

    private static readonly byte[][] InvalidUtf8 =
    {
        new byte[] { 0xFF }, new byte[] { 0xFE }, new byte[] { 0xC0, 0x80 }, new byte[] { 0xC1, 0xBF }, new byte[] { 0xE0, 0x80, 0x80 },
        new byte[] { 0xED, 0xA0, 0x80 }, new byte[] { 0xF5, 0x80, 0x80, 0x80 }, new byte[] { 0xF4, 0x90, 0x80, 0x80 }, new byte[] { 0x80 },
        new byte[] { 0xC3 }, new byte[] { 0xE2, 0x82 }, new byte[] { 0xF0, 0x9F, 0x98 },
        new byte[] { 0xC3, 0xA9 }, new byte[] { 0xF0, 0x9F, 0x98, 0x80 }, // valid, for contrast
    };

    private static readonly string[] Befores = { " ", "\t", "\n", "\r\n", "\uFEFF", "x", "{}" };
    private static readonly string[] Afters = { "\n", "\t", "\r", "  \n", "\0", "x", "}", "{}", "        ", " \u00A0", "\u3000" };
    private static readonly string[] Separators = { ", ", ",\n  ", " ,\t", "\r\n,\r\n", ",,", ";", "" };
    private static readonly string[] Roots = { "[]", "null", "\"x\"", "{}", "{", "}", "[{}]", "{\"a\":1}" };

    private static readonly string[] EscapedNames =
    {
        "\"\\u0048idden.bias\"", "\"Hidden.bia\\u0073\"", "\"Hidden\\/bias\"", "\"Hidden.bias\\u0000\"", "\"hidden.bias\"", "\"Hidden.bias \"",
        "\"\\ud800Hidden.bias\"", "\"Hidden.bia§\"",
    };

    private static readonly int[] NonFiniteBits = { 0x7FC00000, 0x7F800000, unchecked((int)0xFF800000), 0x7F800001, unchecked((int)0xFFFFFFFF) };
    private static readonly int[] FiniteBits = { unchecked((int)0x80000000), 0x00000001, 0x7F7FFFFF, unchecked((int)0xFF7FFFFF) };

    private static T Pick<T>(SeededRandom random, IReadOnlyList<T> items) => items[random.NextInt(items.Count)];

    /// <summary>Edits of the header's JSON (and of the data it describes), each drawn from <paramref name="random"/> on a fresh draft.</summary>
    private static readonly (string Kind, Action<Draft, SeededRandom> Edit)[] JsonEdits =
    {
        ("change an offset", (d, r) =>
        {
            DraftEntry e = Pick(r, d.Entries);
            long delta = Pick(r, new long[] { -1, 1, -2, 2, -4, 4, -8, 8, -r.NextInt(300) - 1, r.NextInt(300) + 1 });
            switch (r.NextInt(3))
            {
                case 0: e.Begin += delta; break;
                case 1: e.End += delta; break;
                default: e.Begin += delta; e.End += delta; break;
            }
        }),
        ("swap offsets", (d, r) =>
        {
            // Half the time the two 5-float tensors: still a valid file, with their values exchanged.
            DraftEntry a, b;
            if (r.NextInt(2) == 0) { a = d.Entries[3]; b = d.Entries[4]; }
            else { a = Pick(r, d.Entries); b = Pick(r, d.Entries); }
            (a.Begin, a.End, b.Begin, b.End) = (b.Begin, b.End, a.Begin, a.End);
        }),
        ("add a hole", (d, r) =>
        {
            int from = r.NextInt(d.Entries.Count + 1), gap = 1 + r.NextInt(8);
            long at = Math.Clamp(from < d.Entries.Count ? d.Entries[from].Begin : d.Data.Count, 0, d.Data.Count);
            for (int i = from; i < d.Entries.Count; i++) { d.Entries[i].Begin += gap; d.Entries[i].End += gap; }
            for (int i = 0; i < gap; i++) d.Data.Insert((int)at, (byte)r.NextInt(256));
        }),
        ("make an overlap", (d, r) =>
        {
            int from = 1 + r.NextInt(d.Entries.Count - 1), back = 4 * (1 + r.NextInt(2));
            long at = Math.Clamp(d.Entries[from].Begin, 0, d.Data.Count);
            for (int i = from; i < d.Entries.Count; i++) { d.Entries[i].Begin -= back; d.Entries[i].End -= back; }
            d.Data.RemoveRange((int)Math.Max(0, at - back), (int)Math.Min(back, at));
        }),
        ("reorder the entries", (d, r) =>
        {
            var order = d.Entries.ToArray();
            r.Shuffle(order.AsSpan());
            d.Entries = order.ToList();
        }),
        ("remove a key", (d, r) =>
        {
            switch (r.NextInt(5))
            {
                case 0: d.Entries.RemoveAt(r.NextInt(d.Entries.Count)); break;
                case 1: d.Metadata = null; break;
                case 2: Pick(r, d.Entries).OmitDType = true; break;
                case 3: Pick(r, d.Entries).OmitShape = true; break;
                default: Pick(r, d.Entries).OmitOffsets = true; break;
            }
        }),
        ("duplicate a key", (d, r) =>
        {
            DraftEntry e = Pick(r, d.Entries);
            switch (r.NextInt(5))
            {
                case 0: d.ExtraMembers.Add(e.Key + ":" + e.Json()); break;
                case 1: d.ExtraMembers.Add("\"__metadata__\":{}"); d.Metadata ??= "{}"; break;
                case 2: e.Extra = Pick(r, new[] { ",\"dtype\":\"F32\"", $",\"shape\":{e.Shape}", $",\"data_offsets\":[{e.Begin},{e.End}]" }); break;
                case 3: d.Metadata = "{\"k\":\"v\",\"k\":\"v\"}"; break;
                default: d.ExtraMembers.Add("\"\\u0048idden.bias\":" + d.Entries[3].Json()); break;
            }
        }),
        ("change a dtype", (d, r) => Pick(r, d.Entries).DType = Pick(r, DTypes)),
        ("change a shape", (d, r) => Pick(r, d.Entries).Shape = Pick(r, Shapes)),
        ("malform data_offsets", (d, r) => Pick(r, d.Entries).Offsets = Pick(r, OffsetForms)),
        ("add trailing bytes", (d, r) =>
        {
            int count = 1 + r.NextInt(16);
            for (int i = 0; i < count; i++) d.Data.Add((byte)r.NextInt(256));
        }),
        ("non-string metadata", (d, r) => d.Metadata = Pick(r, MetadataValues)),
        ("invalid UTF-8", (d, r) =>
        {
            d.Splice = Pick(r, InvalidUtf8);
            if (r.NextInt(2) == 0) d.Metadata = "{\"note\":\"a§b\"}";
            else Pick(r, d.Entries).Key = "\"x§\"";
        }),
        ("invalid UTF-8 in a tensor's name", (d, r) =>
        {
            d.Splice = Pick(r, InvalidUtf8);
            d.Entries[r.NextInt(d.Entries.Count)].Key = Pick(r, new[] { "\"§Hidden.bias\"", "\"Hidden.bias§\"", "\"Hid§den.bias\"" });
        }),
        ("whitespace before the header", (d, r) => d.Before = Pick(r, Befores)),
        ("bytes after the JSON object", (d, r) => d.After = Pick(r, Afters)),
        ("whitespace between members", (d, r) => d.Separator = Pick(r, Separators)),
        ("escaped names", (d, r) =>
        {
            d.Entries[3].Key = Pick(r, EscapedNames);
            d.Splice = new byte[] { 0xC3, 0xA9 };
        }),
        ("an entry that is not an object", (d, r) => Pick(r, d.Entries).Value = Pick(r, new[] { "[]", "null", "1", "\"F32\"", "{}", "[\"F32\",[2],[0,8]]" })),
        ("an unknown field", (d, r) => Pick(r, d.Entries).Extra = Pick(r, new[] { ",\"extra\":0", ",\"Dtype\":\"F32\"", ",\"\":null", ",\"data_offsets \":[0,0]" })),
        ("a whole other header", (d, r) => d.RootOverride = Pick(r, Roots)),
        ("a wrong length field", (d, r) => d.LengthDelta = Pick(r, new long[] { -8, -7, -4, -3, -2, -1, 1, 2, 3, 4, 5, 7, 8, 16 })),
        ("unaligned padding", (d, r) =>
        {
            d.Align = false;
            d.After = new string(' ', r.NextInt(20));
        }),
        ("a non-finite value", (d, r) => d.SetFloatBits(r.NextInt(ArenaLength), Pick(r, NonFiniteBits))),
        ("an unusual finite value", (d, r) => d.SetFloatBits(r.NextInt(ArenaLength), Pick(r, FiniteBits))),
    };

    /// <summary>Byte-level damage to a saved file, drawn from <paramref name="random"/>.</summary>
    private static readonly (string Kind, Func<byte[], SeededRandom, byte[]> Damage)[] ByteEdits =
    {
        ("flip a header byte", (f, r) => Xor(f, 8 + r.NextInt(HeaderLength(f)), (byte)(1 + r.NextInt(255)))),
        ("flip a header bit", (f, r) => Xor(f, 8 + r.NextInt(HeaderLength(f)), (byte)(1 << r.NextInt(8)))),
        ("flip a length byte", (f, r) => Xor(f, r.NextInt(8), (byte)(1 + r.NextInt(255)))),
        ("flip a data byte", (f, r) => Xor(f, 8 + HeaderLength(f) + r.NextInt(f.Length - 8 - HeaderLength(f)), (byte)(1 + r.NextInt(255)))),
        ("set several bytes", (f, r) =>
        {
            byte[] copy = (byte[])f.Clone();
            int count = 2 + r.NextInt(5);
            for (int i = 0; i < count; i++) copy[r.NextInt(copy.Length)] = (byte)r.NextInt(256);
            return copy;
        }),
        ("truncate", (f, r) => f[..r.NextInt(f.Length)]),
        ("insert a byte", (f, r) =>
        {
            int at = r.NextInt(f.Length + 1);
            return f[..at].Append((byte)r.NextInt(256)).Concat(f[at..]).ToArray();
        }),
        ("delete a byte", (f, r) =>
        {
            int at = r.NextInt(f.Length);
            return f[..at].Concat(f[(at + 1)..]).ToArray();
        }),
        ("append bytes", (f, r) => f.Concat(Enumerable.Range(0, 1 + r.NextInt(9)).Select(_ => (byte)r.NextInt(256))).ToArray()),
    };

    /// <summary>Header lengths for the length field: one off, off by the padding, past the file, huge, zero.</summary>
    private static IEnumerable<ulong> LengthFields(byte[] file)
    {
        ulong n = (ulong)HeaderLength(file);
        foreach (long delta in new long[] { -8, -7, -6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 7, 8 })
            yield return (ulong)((long)n + delta);
        foreach (ulong value in new ulong[] { 0, 1, 2, (ulong)file.Length - 8, (ulong)file.Length - 7, (ulong)file.Length, 100_000_000, 100_000_001, 1UL << 32, (1UL << 63) - 1, 1UL << 63, ulong.MaxValue, ulong.MaxValue - 7 })
            yield return value;
    }

    private static byte[] Xor(byte[] file, int at, byte mask)
    {
        byte[] copy = (byte[])file.Clone();
        copy[at] ^= mask;
        return copy;
    }

    private static byte[] WithLengthField(byte[] file, ulong length)
    {
        byte[] copy = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy, length);
        return copy;
    }

    /// <summary>Every mutated file of the suite, in a fixed order from fixed seeds.</summary>
    private static List<(string Kind, byte[] File)> Mutations()
    {
        var cases = new List<(string, byte[])>();
        for (int variant = 0; variant < 8; variant++)
        {
            byte[] saved = SavedFile(variant);
            var random = new SeededRandom(variant);
            foreach (var (kind, damage) in ByteEdits)
                for (int i = 0; i < 100; i++) cases.Add((kind, damage(saved, random)));
            for (int i = 0; i < 200; i++) // most bytes are in the header, so flip more there
                cases.Add(("flip a header byte", ByteEdits[0].Damage(saved, random)));
            foreach (ulong length in LengthFields(saved)) cases.Add(("set the length field", WithLengthField(saved, length)));
            if (variant % 4 == 0)
                for (int length = 0; length < saved.Length; length++) cases.Add(("truncate at every position", saved[..length]));

            foreach (var (kind, edit) in JsonEdits)
                for (int i = 0; i < 16; i++)
                {
                    Draft draft = ValidDraft(variant);
                    edit(draft, random);
                    cases.Add((kind, draft.ToFile()));
                }
            for (int i = 0; i < 80; i++)
            {
                Draft draft = ValidDraft(variant);
                Pick(random, JsonEdits).Edit(draft, random);
                Pick(random, JsonEdits).Edit(draft, random);
                cases.Add(("two edits", draft.ToFile()));
            }
            cases.Add(("unchanged (saved)", saved));
            cases.Add(("unchanged (drafted)", ValidDraft(variant).ToFile()));
        }
        return cases;
    }

    // ---- an independent reading of the format ----

    /// <summary>
    /// What a file holds for <see cref="Network"/>, read from the format's rules with <see cref="Utf8JsonReader"/>
    /// token by token (the loader uses JsonDocument): each tensor's values, or null when the file breaks a rule or
    /// does not fit the network (names, shapes, F32, finite values).
    /// </summary>
    private static Dictionary<string, float[]>? Reference(byte[] file)
    {
        if (file.Length < 8) return null;
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (n > 100_000_000 || n > (ulong)(file.Length - 8)) return null;
        ReadOnlySpan<byte> header = file.AsSpan(8, (int)n);
        if (!Utf8.IsValid(header) || header.Length == 0 || header[0] != (byte)'{') return null;
        int last = header.Length - 1;
        while (header[last] == (byte)' ') last--;
        if (header[last] != (byte)'}') return null;

        var ranges = new Dictionary<string, (long Begin, long End)>();
        try
        {
            if (!ReadHeader(header, ranges)) return null;
        }
        catch (JsonException) { return null; }
        catch (InvalidOperationException) { return null; } // a string with an escaped lone surrogate
        if (ranges.Count != Network.Length) return null;

        long end = 0;
        foreach (var range in ranges.Values.OrderBy(r => r.Begin).ThenBy(r => r.End))
        {
            if (range.Begin != end) return null;
            end = range.End;
        }
        long dataStart = 8 + (long)n;
        if (dataStart + end != file.Length) return null;

        var result = new Dictionary<string, float[]>();
        foreach (var (name, begin) in ranges.Select(p => (p.Key, p.Value.Begin)))
        {
            var values = new float[(ranges[name].End - begin) / 4];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan((int)(dataStart + begin + 4 * i)));
                if (!float.IsFinite(values[i])) return null;
            }
            result[name] = values;
        }
        return result;
    }

    private static bool ReadHeader(ReadOnlySpan<byte> header, Dictionary<string, (long, long)> ranges)
    {
        var reader = new Utf8JsonReader(header);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        var keys = new HashSet<string>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            if (!keys.Add(key)) return false;
            reader.Read();
            if (key == "__metadata__")
            {
                if (!ReadMetadata(ref reader)) return false;
                continue;
            }
            int t = Array.FindIndex(Network, x => x.Name == key);
            if (t < 0 || !ReadEntry(ref reader, Network[t].Shape, out long begin, out long end)) return false;
            ranges[key] = (begin, end);
        }
        return !reader.Read(); // nothing after the root object; throws on anything but whitespace
    }

    private static bool ReadMetadata(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        var keys = new HashSet<string>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!keys.Add(reader.GetString()!)) return false;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String) return false;
            reader.GetString();
        }
        return true;
    }

    private static bool ReadEntry(ref Utf8JsonReader reader, int[] shape, out long begin, out long end)
    {
        begin = end = 0;
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        string? dtype = null;
        List<long>? dims = null, offsets = null;
        var fields = new HashSet<string>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string field = reader.GetString()!;
            if (!fields.Add(field)) return false;
            reader.Read();
            switch (field)
            {
                case "dtype":
                    if (reader.TokenType != JsonTokenType.String) return false;
                    dtype = reader.GetString();
                    break;
                case "shape": dims = ReadNaturals(ref reader); break;
                case "data_offsets": offsets = ReadNaturals(ref reader); break;
                default: return false;
            }
        }
        if (dtype != "F32" || dims is null || offsets is not { Count: 2 }) return false;
        if (!dims.SequenceEqual(shape.Select(d => (long)d))) return false;
        (begin, end) = (offsets[0], offsets[1]);
        return end >= begin && end - begin == 4L * Elements(shape);
    }

    /// <summary>An array of non-negative integers, or null.</summary>
    private static List<long>? ReadNaturals(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray) return null;
        var values = new List<long>();
        bool valid = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value) && value >= 0) values.Add(value);
            else
            {
                valid = false;
                reader.Skip(); // a nested array or object: step over it to keep the reader in place
            }
        }
        return valid ? values : null;
    }

    // ---- the suite ----

    /// <summary>Loads <paramref name="file"/> through <paramref name="load"/> and checks the outcome against the reference; returns an error, or null.</summary>
    private static string? Check(string kind, int index, byte[] file, Dictionary<string, float[]>? expected, Action<NamedTensor[]> load, string source)
    {
        var (tensors, arena) = Destination();
        var random = new SeededRandom(index);
        for (int i = 0; i < arena.Length; i++) arena[i] = random.NextGaussian();
        float[] before = (float[])arena.Clone();
        try
        {
            load(tensors);
        }
        catch (InvalidDataException e)
        {
            if (expected is not null) return $"#{index} {kind} via {source}: refused a file the reference reads ({e.Message})";
            if (!e.Message.Contains(source, StringComparison.Ordinal)) return $"#{index} {kind}: the message does not name {source}: {e.Message}";
            if (!SameBits(arena, before)) return $"#{index} {kind} via {source}: refused, but the destination changed";
            return null;
        }
        catch (Exception e)
        {
            return $"#{index} {kind} via {source}: {e.GetType().Name} instead of InvalidDataException: {e.Message}";
        }
        if (expected is null) return $"#{index} {kind} via {source}: loaded a file the reference refuses";
        foreach (NamedTensor tensor in tensors)
            if (!SameBits(tensor.Values, expected[tensor.Name]))
                return $"#{index} {kind} via {source}: tensor '{tensor.Name}' differs from what the file holds";
        return null;
    }

    /// <summary>Bit for bit, so that -0, denormals and NaN payloads count.</summary>
    private static bool SameBits(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => MemoryMarshal.AsBytes(a).SequenceEqual(MemoryMarshal.AsBytes(b));

    [Fact]
    public void Every_mutated_file_loads_exactly_what_it_holds_or_is_refused_changing_nothing()
    {
        var clock = Stopwatch.StartNew();
        List<(string Kind, byte[] File)> cases = Mutations();
        var failures = new List<string>();
        var perKind = new SortedDictionary<string, (int Accepted, int Refused)>(StringComparer.Ordinal);
        int loads = 0, fileLoads = 0;
        int fileEvery = cases.Count / 200;
        for (int index = 0; index < cases.Count; index++)
        {
            var (kind, file) = cases[index];
            Dictionary<string, float[]>? expected = Reference(file);
            void Record(string? failure)
            {
                loads++;
                if (failure is not null) failures.Add(failure);
            }
            Record(Check(kind, index, file, expected, t => SafeTensors.Load(t, new MemoryStream(file, writable: false)), "Weight stream"));
            Record(Check(kind, index, file, expected, t => SafeTensors.Load(t, new ForwardOnlyStream(file, chunk: 1 + index % 61)), "Weight stream"));
            if (index % fileEvery == 0)
            {
                string path = _dir.File($"case{index}.safetensors");
                File.WriteAllBytes(path, file);
                Record(Check(kind, index, file, expected, t => SafeTensors.Load(t, path), path));
                File.Delete(path);
                fileLoads++;
            }
            var (a, r) = perKind.GetValueOrDefault(kind);
            perKind[kind] = expected is null ? (a, r + 1) : (a + 1, r);
        }
        clock.Stop();

        int valid = perKind.Values.Sum(v => v.Accepted);
        _output.WriteLine($"{cases.Count} mutated files ({valid} valid, {cases.Count - valid} refused), {loads} loads ({fileLoads} through real files) in {clock.ElapsedMilliseconds} ms");
        foreach (var (kind, (a, r)) in perKind) _output.WriteLine($"  {kind}: {a} valid, {r} refused");
        Assert.True(failures.Count == 0, $"{failures.Count} failure(s):\n" + string.Join("\n", failures.Take(20)));
        Assert.True(cases.Count >= 10_000, $"only {cases.Count} cases");
        Assert.True(fileLoads >= 200, $"only {fileLoads} loads through files");
        // Both outcomes must be well represented, or the suite proves little.
        Assert.True(valid >= 1_000 && cases.Count - valid >= 5_000, $"{valid} valid, {cases.Count - valid} refused");
        Assert.Equal(16, perKind["unchanged (saved)"].Accepted + perKind["unchanged (drafted)"].Accepted);
    }

    // ---- saves killed part-way ----

    private sealed class SimulatedKill : Exception
    {
        public SimulatedKill() : base("the process was killed") { }
    }

    /// <summary>Passes writes through until <c>budget</c> bytes, then "kills the process"; a flush once the budget is spent kills it before the rename.</summary>
    private sealed class KillingStream : Stream
    {
        private readonly Stream _inner;
        private long _budget;

        public KillingStream(Stream inner, long budget)
        {
            _inner = inner;
            _budget = budget;
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int allowed = (int)Math.Min(buffer.Length, _budget);
            _inner.Write(buffer[..allowed]);
            _budget -= allowed;
            if (allowed < buffer.Length) throw new SimulatedKill();
        }

        public override void Flush()
        {
            if (_budget == 0) throw new SimulatedKill();
            _inner.Flush();
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private static NamedTensor[] Tensors(int seed)
    {
        var (tensors, arena) = Destination();
        var random = new SeededRandom(seed);
        for (int i = 0; i < arena.Length; i++) arena[i] = random.NextGaussian();
        return tensors;
    }

    private static byte[] Bytes(NamedTensor[] tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var stream = new MemoryStream();
        SafeTensors.Save(tensors, stream, metadata);
        return stream.ToArray();
    }

    [Fact]
    public void A_save_killed_anywhere_leaves_the_old_file_whole_and_the_next_save_cleans_up()
    {
        string path = _dir.File("net.safetensors");
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["round"] = "0" };
        SafeTensors.Save(Tensors(0), path, metadata);
        byte[] current = File.ReadAllBytes(path);
        var random = new SeededRandom(77);
        int kills = 0;
        for (int round = 1; round <= 30; round++)
        {
            // Two saves of new weights die at different points; a temporary file outlives each, as after a real kill.
            for (int attempt = 0; attempt < 2; attempt++)
            {
                NamedTensor[] next = Tensors(100 * round + attempt);
                int total = Bytes(next, metadata).Length;
                long budget = (kills % 10) switch
                {
                    0 => 0,                    // before the first byte
                    1 => 8,                    // after the length field
                    2 => total,                // all written, killed before the flush to disk and the rename
                    3 => total - 1,
                    _ => random.NextInt(total + 1),
                };
                Assert.Throws<SimulatedKill>(() => SafeTensors.Save(next, path, metadata, file => new KillingStream(file, budget), keepTemporaryFileOnFailure: true));
                kills++;
                Assert.Equal(current, File.ReadAllBytes(path));
                var (loaded, _) = Destination();
                SafeTensors.Load(loaded, path); // still a whole, valid file
            }
            string[] temporary = Directory.GetFiles(_dir.Path, "net.safetensors.tmp-*");
            Assert.Equal(2, temporary.Length);

            // A while later, the next save removes them and replaces the file whole.
            foreach (string file in temporary) File.SetLastWriteTimeUtc(file, DateTime.UtcNow - TimeSpan.FromMinutes(2));
            metadata["round"] = round.ToString(System.Globalization.CultureInfo.InvariantCulture);
            NamedTensor[] saved = Tensors(100 * round + 99);
            SafeTensors.Save(saved, path, metadata);
            current = File.ReadAllBytes(path);
            Assert.Equal(Bytes(saved, metadata), current);
            Assert.Equal(new[] { path }, Directory.GetFiles(_dir.Path));
        }
        _output.WriteLine($"{kills} saves killed part-way; the file was whole after each");
        Assert.True(kills >= 50);
    }

    [Fact]
    public void A_failing_save_that_is_not_killed_deletes_its_temporary_file()
    {
        string path = _dir.File("net.safetensors");
        var metadata = new Dictionary<string, string>();
        Assert.Throws<SimulatedKill>(() => SafeTensors.Save(Tensors(1), path, metadata, file => new KillingStream(file, 100), keepTemporaryFileOnFailure: false));
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }
}

