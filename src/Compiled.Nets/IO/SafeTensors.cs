using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Compiled.Nets.IO;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face; what PyTorch users exchange weights in):
/// an 8-byte little-endian header length N, N bytes of UTF-8 JSON describing each tensor
/// (<c>dtype</c>, <c>shape</c>, <c>data_offsets</c> relative to the data section), then the raw
/// little-endian data. Only F32 is loaded, since every parameter in a network is a float.
/// </summary>
/// <remarks>
/// Loading is strict: the header must be valid UTF-8 JSON that begins with <c>{</c> and is padded with spaces
/// only, every entry must be well formed, and the tensors' byte ranges must tile the data section exactly
/// (no overlap, no hole, nothing after the last tensor). A file that breaks any rule, or holds NaN or ±∞,
/// is refused with an <see cref="InvalidDataException"/> and leaves the destination unchanged.
/// docs/weight-files.md lists every check.
/// </remarks>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";

    /// <summary>Largest header accepted on load, the Rust crate's limit: a header is a few bytes per tensor, so more means a corrupt file.</summary>
    private const long MaxHeaderLength = 100_000_000;

    /// <summary>What a temporary file's name adds to the target's, before 12 lowercase hex digits.</summary>
    private const string TemporaryMarker = ".tmp-";

    private const int TemporaryHexDigits = 12;

    /// <summary>
    /// A temporary file untouched this long belongs to a save that died: a live save writes every 64 KiB and
    /// holds the file exclusively until its rename, so the age only guards where file locks are not honoured.
    /// </summary>
    private static readonly TimeSpan StaleTemporaryFileAge = TimeSpan.FromMinutes(1);

    /// <summary>Strict UTF-8: an invalid byte throws instead of becoming U+FFFD.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // ---- public API ----

    /// <summary>
    /// Writes <paramref name="tensors"/>, in the given order, to <paramref name="path"/>. The write is atomic:
    /// the data goes to a temporary file <c>&lt;path&gt;.tmp-&lt;12 hex digits&gt;</c> in the same directory, is
    /// flushed to disk, and then replaces <paramref name="path"/> by a rename, so a crash or full disk never
    /// leaves a half-written weight file behind. Before writing, temporary files left by earlier saves to the
    /// same path that were killed (untouched for a minute and not held open by anyone) are deleted.
    /// </summary>
    public static void Save(IReadOnlyList<NamedTensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(tensors, path, metadata, wrapTemporaryFile: null, keepTemporaryFileOnFailure: false);

    /// <summary>
    /// Writes <paramref name="tensors"/>, in the given order, to <paramref name="destination"/> from its current
    /// position, then flushes it. The stream is left open; nothing makes the write atomic, so prefer the path
    /// overload for files.
    /// </summary>
    public static void Save(IReadOnlyList<NamedTensor> tensors, Stream destination, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanWrite) throw new ArgumentException("The stream cannot be written to.", nameof(destination));
        CheckUniqueNames(tensors, nameof(tensors));
        WriteFile(destination, BuildHeader(tensors, metadata), tensors);
        destination.Flush();
    }

    /// <summary>
    /// The path overload of Save with a test seam: the temporary file is written through
    /// <paramref name="wrapTemporaryFile"/>, and <paramref name="keepTemporaryFileOnFailure"/> leaves it behind on
    /// a failure, as a killed process would.
    /// </summary>
    internal static void Save(IReadOnlyList<NamedTensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata,
        Func<Stream, Stream>? wrapTemporaryFile, bool keepTemporaryFileOnFailure)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckUniqueNames(tensors, nameof(tensors));

        byte[] header = BuildHeader(tensors, metadata);
        string fullPath = Path.GetFullPath(path);
        // First, so that the space killed saves hold is free before this one needs it.
        RemoveStaleTemporaryFiles(fullPath);
        // Same directory as the target, so File.Move is a rename on one file system, not a copy.
        string temp = fullPath + TemporaryMarker + Convert.ToHexString(RandomNumberGenerator.GetBytes(TemporaryHexDigits / 2)).ToLowerInvariant();
        try
        {
            // FileShare.None also tells a concurrent save's cleanup that this file is in use.
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Stream stream = wrapTemporaryFile is null ? file : wrapTemporaryFile(file);
                WriteFile(stream, header, tensors);
                stream.Flush();
                file.Flush(flushToDisk: true); // the data must be on disk before the rename makes it visible
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch when (!keepTemporaryFileOnFailure)
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Reads <paramref name="path"/> into <paramref name="tensors"/>. The file must be a valid safetensors file
    /// holding exactly these tensor names with these shapes, all F32 and finite. Everything is read and checked
    /// before any tensor is written, so a file that is refused leaves the destination unchanged.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is malformed or does not match the tensors; the message names the file and the problem.</exception>
    public static void Load(IReadOnlyList<NamedTensor> tensors, string path)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckUniqueNames(tensors, nameof(tensors));
        using FileStream stream = OpenRead(path);
        ReadInto(tensors, stream, $"Weight file '{path}'");
    }

    /// <summary>
    /// Reads a safetensors file from <paramref name="source"/>, from its current position to its end, into
    /// <paramref name="tensors"/>, with the same checks as the path overload. The stream need not be seekable:
    /// the header comes first and the tensors' data follows in order of offset, so it is read front to back.
    /// The file must end where the stream ends. The stream is left open.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is malformed or does not match the tensors; the message says "stream" and names the problem.</exception>
    public static void Load(IReadOnlyList<NamedTensor> tensors, Stream source)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(source);
        if (!source.CanRead) throw new ArgumentException("The stream cannot be read from.", nameof(source));
        CheckUniqueNames(tensors, nameof(tensors));
        ReadInto(tensors, source, "Weight stream");
    }

    /// <summary>
    /// Reads the tensors of <paramref name="path"/> whose names <paramref name="tensors"/> also has (PyTorch's
    /// <c>load_state_dict(strict=False)</c>): a pre-trained encoder's weights into a classifier whose layers share its
    /// names. The others on either side are left alone. Every matching tensor must have the same shape, F32 and finite
    /// values, and at least one must match; all is checked before anything is written. Returns the names loaded.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is malformed, no name matches, or a matching tensor's shape differs; nothing changed.</exception>
    public static IReadOnlyList<string> LoadMatching(IReadOnlyList<NamedTensor> tensors, string path)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckUniqueNames(tensors, nameof(tensors));
        using FileStream stream = OpenRead(path);
        return ReadMatching(tensors, stream, $"Weight file '{path}'");
    }

    /// <summary>
    /// Copies the tensors of <paramref name="source"/> whose names <paramref name="destination"/> also has, with the same
    /// checks as <see cref="LoadMatching(IReadOnlyList{NamedTensor}, string)"/>, all before anything is written. Returns the names copied.
    /// </summary>
    /// <exception cref="ArgumentException">No name matches, or a matching tensor's shape differs; nothing changed.</exception>
    public static IReadOnlyList<string> CopyMatching(IReadOnlyList<NamedTensor> source, IReadOnlyList<NamedTensor> destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var byName = new Dictionary<string, NamedTensor>();
        foreach (NamedTensor tensor in source) byName[tensor.Name] = tensor;
        var pairs = new List<(NamedTensor From, NamedTensor To)>();
        foreach (NamedTensor to in destination)
        {
            if (!byName.TryGetValue(to.Name, out NamedTensor? from)) continue;
            if (!Enumerable.SequenceEqual(from.Shape, to.Shape))
                throw new ArgumentException($"Tensor '{to.Name}' has shape [{string.Join(", ", from.Shape)}] in the source, but the destination needs [{string.Join(", ", to.Shape)}]; nothing was copied.", nameof(destination));
            pairs.Add((from, to));
        }
        if (pairs.Count == 0)
            throw new ArgumentException($"No tensor name is in both: the source has {Quote(source.Select(t => t.Name).ToList())}, the destination {Quote(destination.Select(t => t.Name).ToList())}.", nameof(destination));
        foreach (var (from, to) in pairs) from.Values.CopyTo(to.Values);
        return pairs.Select(p => p.To.Name).ToList();
    }

    /// <summary>The file's <c>__metadata__</c> (string → string); empty when it has none. The whole header and the file's length are checked as by Load.</summary>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream stream = OpenRead(path);
        return ReadHeader(stream, $"Weight file '{path}'").Metadata;
    }

    // ---- writing ----

    private static void WriteFile(Stream stream, byte[] header, IReadOnlyList<NamedTensor> tensors)
    {
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (NamedTensor tensor in tensors) WriteFloats(stream, tensor.Values);
    }

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

    /// <summary>
    /// Deletes <c>&lt;file&gt;.tmp-&lt;12 lowercase hex digits&gt;</c> next to <paramref name="fullPath"/> (what Save
    /// names its temporary files, and nothing else) when it was not written for <see cref="StaleTemporaryFileAge"/>
    /// and can be opened exclusively: a save in progress holds its file with FileShare.None. Best effort: a file
    /// that cannot be checked or deleted stays.
    /// </summary>
    private static void RemoveStaleTemporaryFiles(string fullPath)
    {
        string? directory = Path.GetDirectoryName(fullPath);
        if (string.IsNullOrEmpty(directory)) return;
        string prefix = Path.GetFileName(fullPath) + TemporaryMarker;
        var candidates = new List<string>();
        try
        {
            foreach (string file in Directory.EnumerateFiles(directory, "*" + TemporaryMarker + "*"))
                if (IsTemporaryFileName(Path.GetFileName(file), prefix)) candidates.Add(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (string candidate in candidates)
        {
            try
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(candidate) < StaleTemporaryFileAge) continue;
                // DeleteOnClose removes it while this handle still holds it, so no writer can take it in between.
                using var exclusive = new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private static bool IsTemporaryFileName(string name, string prefix)
    {
        if (name.Length != prefix.Length + TemporaryHexDigits || !name.StartsWith(prefix, StringComparison.Ordinal)) return false;
        foreach (char c in name.AsSpan(prefix.Length))
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f')) return false;
        return true;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    // ---- reading ----

    /// <summary>One tensor of the header: its byte range [Begin, End) within the data section.</summary>
    private sealed record Entry(string Name, string DType, long[] Shape, long Begin, long End);

    /// <summary>A validated header: the entries sorted by offset (they tile [0, DataLength) exactly) and the metadata.</summary>
    private sealed record Header(List<Entry> Entries, Dictionary<string, string> Metadata, long DataLength);

    private static FileStream OpenRead(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No weight file at '{path}'.", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    /// <summary>Checks and stages every tensor, reading the stream front to back, then copies them into <paramref name="tensors"/>.</summary>
    private static void ReadInto(IReadOnlyList<NamedTensor> tensors, Stream stream, string source)
    {
        Header header = ReadHeader(stream, source);
        CheckMatchesNetwork(tensors, header, source);

        var indexOf = new Dictionary<string, int>();
        for (int t = 0; t < tensors.Count; t++) indexOf.Add(tensors[t].Name, t);
        // Stage every tensor before touching the destination, so a refusal or an I/O error half-way changes nothing.
        var staged = new float[tensors.Count][];
        long dataRead = 0;
        foreach (Entry entry in header.Entries) // in order of offset, which tile the data section: a sequential read
        {
            staged[indexOf[entry.Name]] = ReadTensor(stream, tensors[indexOf[entry.Name]].Length, entry.Name, source, header, ref dataRead);
        }
        if (stream.ReadByte() != -1)
            throw Bad(source, $"there are bytes after the last tensor's data (the header describes {header.DataLength} bytes of tensor data, and the data section must end with the last tensor)");
        for (int t = 0; t < tensors.Count; t++) staged[t].CopyTo(tensors[t].Values);
    }

    /// <summary>The matching tensors of the stream (the others read past), staged and checked before any is written.</summary>
    private static IReadOnlyList<string> ReadMatching(IReadOnlyList<NamedTensor> tensors, Stream stream, string source)
    {
        Header header = ReadHeader(stream, source);
        var indexOf = new Dictionary<string, int>();
        for (int t = 0; t < tensors.Count; t++) indexOf.Add(tensors[t].Name, t);
        var matching = new List<(Entry Entry, int Tensor)>();
        foreach (Entry entry in header.Entries)
        {
            if (!indexOf.TryGetValue(entry.Name, out int t)) continue;
            if (entry.DType != "F32")
                throw Bad(source, $"tensor '{entry.Name}' has dtype {entry.DType}; only F32 (float32) is supported");
            if (!SameShape(entry.Shape, tensors[t].Shape))
                throw Bad(source, $"tensor '{entry.Name}' has shape {FormatShape(entry.Shape)} in the file, but the network needs {FormatShape(tensors[t].Shape)}");
            matching.Add((entry, t));
        }
        if (matching.Count == 0)
            throw new InvalidDataException($"{source} has no tensor the network has: it holds {Quote(header.Entries.Select(e => e.Name).ToList())}, the network {Quote(tensors.Select(t => t.Name).ToList())}.");
        var staged = new List<(float[] Values, int Tensor)>();
        var skip = new byte[1 << 16];
        long dataRead = 0;
        int next = 0;
        foreach (Entry entry in header.Entries) // in order of offset: a sequential read
        {
            long length = entry.End - entry.Begin;
            if (next < matching.Count && ReferenceEquals(matching[next].Entry, entry))
            {
                staged.Add((ReadTensor(stream, tensors[matching[next].Tensor].Length, entry.Name, source, header, ref dataRead), matching[next].Tensor));
                next++;
                continue;
            }
            for (long left = length; left > 0;)
            {
                int read = stream.Read(skip, 0, (int)Math.Min(skip.Length, left));
                if (read == 0) throw Truncated(source, header, dataRead);
                left -= read;
                dataRead += read;
            }
        }
        foreach (var (values, t) in staged) values.CopyTo(tensors[t].Values);
        return matching.Select(m => m.Entry.Name).ToList();
    }

    /// <summary>One tensor's little-endian F32 data from the stream, checked finite.</summary>
    private static float[] ReadTensor(Stream stream, int length, string name, string source, Header header, ref long dataRead)
    {
        var values = new float[length];
        Span<byte> bytes = MemoryMarshal.AsBytes(values.AsSpan());
        int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        dataRead += read;
        if (read < bytes.Length) throw Truncated(source, header, dataRead);
        if (!BitConverter.IsLittleEndian)
        {
            Span<int> words = MemoryMarshal.Cast<float, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(words, words);
        }
        CheckFinite(values, name, source);
        return values;
    }

    private static InvalidDataException Truncated(string source, Header header, long dataRead) =>
        new($"{source} is truncated: its header describes {header.DataLength} bytes of tensor data, but it holds only {dataRead}.");

    /// <summary>Names, dtypes and shapes: report every missing and every unexpected name at once, not just the first.</summary>
    private static void CheckMatchesNetwork(IReadOnlyList<NamedTensor> tensors, Header header, string source)
    {
        var inFile = new Dictionary<string, Entry>();
        foreach (Entry entry in header.Entries) inFile.Add(entry.Name, entry);
        var missing = new List<string>();
        var expectedNames = new HashSet<string>();
        foreach (NamedTensor tensor in tensors)
        {
            expectedNames.Add(tensor.Name);
            if (!inFile.ContainsKey(tensor.Name)) missing.Add(tensor.Name);
        }
        var unexpected = new List<string>();
        foreach (Entry entry in header.Entries)
            if (!expectedNames.Contains(entry.Name)) unexpected.Add(entry.Name);
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var message = new StringBuilder($"{source} does not match the network:");
            if (missing.Count > 0) message.Append($" missing tensor(s) {Quote(missing)};");
            if (unexpected.Count > 0) message.Append($" unexpected tensor(s) {Quote(unexpected)};");
            message.Length--; // the last ';'
            message.Append('.');
            throw new InvalidDataException(message.ToString());
        }

        foreach (NamedTensor tensor in tensors)
        {
            Entry entry = inFile[tensor.Name];
            if (entry.DType != "F32")
                throw Bad(source, $"tensor '{tensor.Name}' has dtype {entry.DType}; only F32 (float32) is supported");
            if (!SameShape(entry.Shape, tensor.Shape))
                throw Bad(source, $"tensor '{tensor.Name}' has shape {FormatShape(entry.Shape)} in the file, but the network needs {FormatShape(tensor.Shape)}");
        }
    }

    private static void CheckFinite(float[] values, string name, string source)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw Bad(source, $"tensor '{name}' holds {(float.IsNaN(values[i]) ? "NaN" : values[i] > 0 ? "+infinity" : "-infinity")} at element {i}; a weight file must hold finite values only");
    }

    /// <summary>
    /// Reads the length prefix and the header, and checks both: the header is the format's JSON, its entries
    /// tile the data section, and (when the stream can tell its length) the data section is exactly that long.
    /// Leaves the stream at the start of the data section.
    /// </summary>
    private static Header ReadHeader(Stream stream, string source)
    {
        long? available = stream.CanSeek ? Math.Max(0, stream.Length - stream.Position) : null;
        Span<byte> prefix = stackalloc byte[8];
        int prefixRead = stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false);
        if (prefixRead < 8)
            throw Bad(source, $"it holds {prefixRead} byte(s), fewer than the 8-byte header length that starts every safetensors file");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (available is long total && length > (ulong)(total - 8))
            throw Bad(source, $"the header length {length} is larger than the {total - 8} bytes that follow it (not a safetensors file, or truncated)");
        if (length > MaxHeaderLength)
            throw Bad(source, $"the header length {length} exceeds the limit of {MaxHeaderLength} bytes");

        var bytes = new byte[length];
        int headerRead = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (headerRead < bytes.Length)
            throw Bad(source, $"the header length {length} is larger than the {headerRead} bytes that follow it (not a safetensors file, or truncated)");
        Header header = ParseHeader(bytes, source);

        if (available is long fileLength)
        {
            // The data section starts right after the header and holds the tensors and nothing else.
            long dataLength = fileLength - 8 - (long)length;
            if (dataLength < header.DataLength)
                throw new InvalidDataException($"{source} is truncated: its header describes {header.DataLength} bytes of tensor data, but it holds only {dataLength}.");
            if (dataLength > header.DataLength)
                throw Bad(source, $"there are {dataLength - header.DataLength} byte(s) after the last tensor's data (the header describes {header.DataLength} bytes of tensor data, and the data section must end with the last tensor)");
        }
        return header;
    }

    private static Header ParseHeader(byte[] bytes, string source)
    {
        try
        {
            StrictUtf8.GetCharCount(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{source}: the header is not valid UTF-8 (at byte {8 + e.Index} of the file).", e);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: the header is not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Bad(source, "the header is not a JSON object");
            // The format: the header begins with '{' and may be padded with spaces (0x20) after the object, nothing else.
            if (bytes[0] != (byte)'{')
                throw Bad(source, "the header does not begin with '{' (the format allows no whitespace or byte order mark before it)");
            int last = bytes.Length - 1;
            while (bytes[last] == (byte)' ') last--;
            if (bytes[last] != (byte)'}')
                throw Bad(source, $"the header has a byte 0x{bytes[last]:X2} after its JSON object, where only spaces (0x20) may pad it");
            try
            {
                return ReadEntries(document.RootElement, source);
            }
            catch (InvalidOperationException e)
            {
                // System.Text.Json cannot turn an escaped lone surrogate (\uD800) into a string; the Rust crate refuses it too.
                throw new InvalidDataException($"{source}: the header holds a string that is not valid Unicode ({e.Message}).", e);
            }
        }
    }

    private static Header ReadEntries(JsonElement root, string source)
    {
        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>();
        var keys = new HashSet<string>();
        foreach (JsonProperty property in root.EnumerateObject())
        {
            string name = property.Name;
            if (!keys.Add(name))
                throw Bad(source, $"the header lists '{name}' twice");
            if (name == MetadataKey)
                ReadMetadata(property.Value, metadata, source);
            else
                entries.Add(ReadEntry(name, property.Value, source));
        }

        // The byte ranges, sorted by where they begin, must tile the data section: no overlap, no hole.
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long end = 0;
        Entry? previous = null;
        foreach (Entry entry in entries)
        {
            if (entry.Begin < end)
                throw Bad(source, $"tensor '{entry.Name}' at data_offsets [{entry.Begin}, {entry.End}] overlaps tensor '{previous!.Name}' at [{previous.Begin}, {previous.End}]");
            if (entry.Begin > end)
                throw Bad(source, $"bytes [{end}, {entry.Begin}) of the data section belong to no tensor (a hole before tensor '{entry.Name}')");
            end = entry.End;
            previous = entry;
        }
        return new Header(entries, metadata, end);
    }

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Bad(source, $"{MetadataKey} is not a JSON object");
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
                throw Bad(source, $"metadata value '{property.Name}' is not a string");
            if (!metadata.TryAdd(property.Name, property.Value.GetString()!))
                throw Bad(source, $"{MetadataKey} lists '{property.Name}' twice");
        }
    }

    private static Entry ReadEntry(string name, JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(source, $"the entry for tensor '{name}' is not a JSON object");
        JsonElement? dtype = null, shape = null, offsets = null;
        foreach (JsonProperty field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when dtype is null: dtype = field.Value; break;
                case "shape" when shape is null: shape = field.Value; break;
                case "data_offsets" when offsets is null: offsets = field.Value; break;
                case "dtype" or "shape" or "data_offsets": throw Bad(source, $"tensor '{name}' lists '{field.Name}' twice");
                default: throw Bad(source, $"tensor '{name}' has the unknown field '{field.Name}' (an entry holds dtype, shape and data_offsets only)");
            }
        }
        if (dtype is not { ValueKind: JsonValueKind.String })
            throw Bad(source, $"tensor '{name}' has no \"dtype\" string");
        if (shape is not { ValueKind: JsonValueKind.Array })
            throw Bad(source, $"tensor '{name}' has no \"shape\" array");
        if (offsets is not { ValueKind: JsonValueKind.Array } || offsets.Value.GetArrayLength() != 2)
            throw Bad(source, $"tensor '{name}' has no \"data_offsets\" array of two numbers");

        string dtypeName = dtype.Value.GetString()!;
        int bits = DTypeBits(dtypeName);
        if (bits == 0)
            throw Bad(source, $"tensor '{name}' has the unknown dtype '{dtypeName}'");

        var dims = new long[shape.Value.GetArrayLength()];
        int i = 0;
        foreach (JsonElement d in shape.Value.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long size) || size < 0)
                throw Bad(source, $"tensor '{name}' has a shape entry that is not a non-negative integer");
            dims[i++] = size;
        }
        long begin = ReadOffset(offsets.Value[0], name, source), end = ReadOffset(offsets.Value[1], name, source);
        if (end < begin)
            throw Bad(source, $"tensor '{name}' has data_offsets [{begin}, {end}] that end before they begin");

        long byteCount;
        try
        {
            long count = 1;
            foreach (long d in dims) count = checked(count * d);
            long totalBits = checked(count * bits);
            if (totalBits % 8 != 0)
                throw Bad(source, $"tensor '{name}' of shape {FormatShape(dims)} and dtype {dtypeName} does not fill a whole number of bytes");
            byteCount = totalBits / 8;
        }
        catch (OverflowException)
        {
            throw Bad(source, $"tensor '{name}' has the impossibly large shape {FormatShape(dims)} (its byte count overflows 64 bits)");
        }
        if (end - begin != byteCount)
            throw Bad(source, $"tensor '{name}' of shape {FormatShape(dims)} and dtype {dtypeName} needs {byteCount} bytes, but its data_offsets [{begin}, {end}] span {end - begin}");
        return new Entry(name, dtypeName, dims, begin, end);
    }

    private static long ReadOffset(JsonElement element, string name, string source)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long value) || value < 0)
            throw Bad(source, $"tensor '{name}' has a data offset that is not a non-negative integer");
        return value;
    }

    /// <summary>Bits per element of each dtype the format defines (0: not a safetensors dtype), to check byte counts; only F32 is loaded.</summary>
    private static int DTypeBits(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" or "F8_E8M0" => 8,
        "F4" => 4,
        "F6_E2M3" or "F6_E3M2" => 6,
        "I16" or "U16" or "F16" or "BF16" => 16,
        "I32" or "U32" or "F32" => 32,
        "I64" or "U64" or "F64" or "C64" => 64,
        _ => 0,
    };

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

    /// <summary>An error naming the source ("Weight file '…'" or "Weight stream") and the problem.</summary>
    private static InvalidDataException Bad(string source, string problem) => new($"{source}: {problem}.");
}
