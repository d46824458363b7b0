using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Compiled.Nets.IO;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face; what PyTorch users exchange weights in):
/// an 8-byte little-endian header length N, N bytes of UTF-8 JSON describing each tensor
/// (<c>dtype</c>, <c>shape</c>, <c>data_offsets</c> relative to the data section), then the raw
/// little-endian data. Only F32 is supported, since every parameter in a network is a float.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";

    /// <summary>Largest header accepted on load: a header is a few bytes per tensor, so more means a corrupt file.</summary>
    private const long MaxHeaderLength = 100L * 1024 * 1024;

    /// <summary>
    /// Writes <paramref name="tensors"/>, in the given order, to <paramref name="path"/>. The write is atomic:
    /// the data goes to a temporary file in the same directory, which then replaces <paramref name="path"/>,
    /// so a crash or full disk never leaves a half-written weight file behind.
    /// </summary>
    public static void Save(IReadOnlyList<NamedTensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckUniqueNames(tensors, nameof(tensors));

        byte[] header = BuildHeader(tensors, metadata);
        string fullPath = Path.GetFullPath(path);
        // Same directory as the target, so File.Move is a rename on one file system, not a copy.
        string temp = fullPath + ".tmp-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (NamedTensor tensor in tensors) WriteFloats(stream, tensor.Values);
                stream.Flush(flushToDisk: true); // the data must be on disk before the rename makes it visible
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Reads <paramref name="path"/> into <paramref name="tensors"/>. The file must hold exactly these tensor
    /// names with these shapes, all F32. Everything is read and checked before any tensor is written, so a
    /// file that is refused leaves the destination unchanged.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is malformed or does not match the tensors.</exception>
    public static void Load(IReadOnlyList<NamedTensor> tensors, string path)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckUniqueNames(tensors, nameof(tensors));

        using var stream = OpenRead(path);
        var (entries, dataStart, dataLength) = ReadHeader(stream, path);

        // Names: report every missing and every unexpected one at once, not just the first.
        var missing = new List<string>();
        foreach (NamedTensor tensor in tensors)
            if (!entries.ContainsKey(tensor.Name)) missing.Add(tensor.Name);
        var expectedNames = new HashSet<string>();
        foreach (NamedTensor tensor in tensors) expectedNames.Add(tensor.Name);
        var unexpected = new List<string>();
        foreach (string name in entries.Keys)
            if (!expectedNames.Contains(name)) unexpected.Add(name);
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var message = new StringBuilder($"Weight file '{path}' does not match the network:");
            if (missing.Count > 0) message.Append($" missing tensor(s) {Quote(missing)};");
            if (unexpected.Count > 0) message.Append($" unexpected tensor(s) {Quote(unexpected)};");
            message.Length--; // the last ';'
            message.Append('.');
            throw new InvalidDataException(message.ToString());
        }

        foreach (NamedTensor tensor in tensors)
        {
            Entry entry = entries[tensor.Name];
            if (entry.DType != "F32")
                throw new InvalidDataException($"Weight file '{path}': tensor '{tensor.Name}' has dtype {entry.DType}; only F32 (float32) is supported.");
            if (!SameShape(entry.Shape, tensor.Shape))
                throw new InvalidDataException($"Weight file '{path}': tensor '{tensor.Name}' has shape {FormatShape(entry.Shape)} in the file, but the network needs {FormatShape(tensor.Shape)}.");
        }

        // Every tensor's bytes must lie inside the data section; a short one means the file was cut off.
        long needed = 0;
        foreach (Entry entry in entries.Values) needed = Math.Max(needed, entry.End);
        if (needed > dataLength)
            throw new InvalidDataException($"Weight file '{path}' is truncated: its header describes {needed} bytes of tensor data, but the file holds only {dataLength}.");

        // Stage every tensor before touching the destination, so an I/O error half-way changes nothing.
        var staged = new float[tensors.Count][];
        for (int t = 0; t < tensors.Count; t++)
        {
            Entry entry = entries[tensors[t].Name];
            var bytes = new byte[entry.End - entry.Begin];
            stream.Position = dataStart + entry.Begin;
            stream.ReadExactly(bytes);
            staged[t] = ToFloats(bytes);
        }
        for (int t = 0; t < tensors.Count; t++) staged[t].CopyTo(tensors[t].Values);
    }

    /// <summary>The file's <c>__metadata__</c> (string → string); empty when it has none.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = OpenRead(path);
        using JsonDocument document = ReadHeaderJson(stream, path, out _);
        var result = new Dictionary<string, string>();
        if (document.RootElement.TryGetProperty(MetadataKey, out JsonElement metadata))
        {
            if (metadata.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"Weight file '{path}': {MetadataKey} is not a JSON object.");
            foreach (JsonProperty property in metadata.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"Weight file '{path}': metadata value '{property.Name}' is not a string.");
                result[property.Name] = property.Value.GetString()!;
            }
        }
        return result;
    }

    // ---- writing ----

    private static byte[] BuildHeader(IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var pair in metadata) json.WriteString(pair.Key, pair.Value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (NamedTensor tensor in tensors)
            {
                long end = offset + 4L * tensor.Length;
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in tensor.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        // Pad with spaces (valid JSON whitespace) so the data starts 8-byte aligned, as the format recommends.
        int padding = (int)((8 - (8 + buffer.Length) % 8) % 8);
        for (int i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static void WriteFloats(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> four = stackalloc byte[4];
        foreach (float v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(four, v);
            stream.Write(four);
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    // ---- reading ----

    private sealed record Entry(string DType, long[] Shape, long Begin, long End);

    private static FileStream OpenRead(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No weight file at '{path}'.", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    /// <summary>Reads and checks the header; returns the tensor entries (metadata excluded) and where the data section lies.</summary>
    private static (Dictionary<string, Entry> Entries, long DataStart, long DataLength) ReadHeader(FileStream stream, string path)
    {
        using JsonDocument document = ReadHeaderJson(stream, path, out long headerLength);
        long dataStart = 8 + headerLength;
        long dataLength = stream.Length - dataStart;
        var entries = new Dictionary<string, Entry>();
        foreach (JsonProperty property in document.RootElement.EnumerateObject())
        {
            if (property.Name == MetadataKey) continue;
            string name = property.Name;
            JsonElement value = property.Value;
            if (value.ValueKind != JsonValueKind.Object)
                throw Bad(path, $"the entry for tensor '{name}' is not a JSON object");
            if (!value.TryGetProperty("dtype", out JsonElement dtype) || dtype.ValueKind != JsonValueKind.String)
                throw Bad(path, $"tensor '{name}' has no \"dtype\" string");
            if (!value.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
                throw Bad(path, $"tensor '{name}' has no \"shape\" array");
            if (!value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
                throw Bad(path, $"tensor '{name}' has no \"data_offsets\" array of two numbers");

            var shape = new long[shapeElement.GetArrayLength()];
            long count = 1;
            int i = 0;
            foreach (JsonElement d in shapeElement.EnumerateArray())
            {
                if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long size) || size < 0)
                    throw Bad(path, $"tensor '{name}' has a shape entry that is not a non-negative integer");
                shape[i++] = size;
                // Cap the element count so 4 × count cannot overflow; no real tensor comes near this.
                if (size != 0 && count > long.MaxValue / 8 / size)
                    throw Bad(path, $"tensor '{name}' has an impossibly large shape");
                count *= size;
            }
            long begin = ReadOffset(offsets[0], path, name), end = ReadOffset(offsets[1], path, name);
            if (end < begin)
                throw Bad(path, $"tensor '{name}' has data_offsets [{begin}, {end}] that end before they begin");
            string dtypeName = dtype.GetString()!;
            // Only an F32 entry's byte count can be checked against its shape; another dtype is refused by name later.
            if (dtypeName == "F32" && end - begin != 4 * count)
                throw Bad(path, $"tensor '{name}' of shape {FormatShape(shape)} needs {4 * count} bytes, but its data_offsets [{begin}, {end}] span {end - begin}");
            if (!entries.TryAdd(name, new Entry(dtypeName, shape, begin, end)))
                throw Bad(path, $"tensor '{name}' is listed twice in the header");
        }
        return (entries, dataStart, dataLength);
    }

    private static long ReadOffset(JsonElement element, string path, string name)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long value) || value < 0)
            throw Bad(path, $"tensor '{name}' has a data offset that is not a non-negative integer");
        return value;
    }

    private static JsonDocument ReadHeaderJson(FileStream stream, string path, out long headerLength)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw Bad(path, $"the file holds {fileLength} byte(s), fewer than the 8-byte header length that starts every safetensors file");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length > (ulong)(fileLength - 8))
            throw Bad(path, $"the header length {length} is larger than the {fileLength - 8} bytes that follow it (not a safetensors file, or truncated)");
        if (length > MaxHeaderLength)
            throw Bad(path, $"the header length {length} exceeds the limit of {MaxHeaderLength} bytes");
        headerLength = (long)length;
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"Weight file '{path}': the header is not valid JSON ({e.Message}).", e);
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw Bad(path, "the header is not a JSON object");
        }
        return document;
    }

    private static float[] ToFloats(byte[] bytes)
    {
        var values = new float[bytes.Length / 4];
        if (BitConverter.IsLittleEndian)
            MemoryMarshal.Cast<byte, float>(bytes).CopyTo(values);
        else
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
        return values;
    }

    // ---- helpers ----

    private static void CheckUniqueNames(IReadOnlyList<NamedTensor> tensors, string parameter)
    {
        var seen = new HashSet<string>();
        foreach (NamedTensor tensor in tensors)
        {
            if (tensor.Name == MetadataKey)
                throw new ArgumentException($"'{MetadataKey}' is reserved by the safetensors format and cannot name a tensor.", parameter);
            if (!seen.Add(tensor.Name))
                throw new ArgumentException($"Two tensors are named '{tensor.Name}'; names must be unique.", parameter);
        }
    }

    private static bool SameShape(long[] file, IReadOnlyList<int> expected)
    {
        if (file.Length != expected.Count) return false;
        for (int i = 0; i < file.Length; i++) if (file[i] != expected[i]) return false;
        return true;
    }

    private static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    private static string FormatShape(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";

    private static string Quote(List<string> names) => string.Join(", ", names.ConvertAll(n => $"'{n}'"));

    private static InvalidDataException Bad(string path, string problem) => new($"Weight file '{path}': {problem}.");
}
