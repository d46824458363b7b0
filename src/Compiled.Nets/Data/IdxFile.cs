using System;
using System.IO;
using System.IO.Compression;

namespace Compiled.Nets.Data;

/// <summary>
/// Reads the IDX format of the MNIST files: a big-endian magic of two zero bytes, a type byte and the number
/// of dimensions; then one big-endian int32 size per dimension; then the data. Gzipped files (as MNIST is
/// distributed) are decompressed on the fly.
/// </summary>
public static class IdxFile
{
    private const byte UnsignedByteType = 0x08;

    /// <summary>Reads an unsigned-byte IDX file (optionally gzipped): the values and the sizes of its dimensions.</summary>
    /// <exception cref="InvalidDataException">The file is not an unsigned-byte IDX file or its length does not match its header.</exception>
    public static (byte[] Data, int[] Shape) Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"No IDX file at '{path}'.", path);

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        bool gzipped = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using Stream stream = gzipped ? new GZipStream(file, CompressionMode.Decompress) : file;
        string what = gzipped ? "decompressed file" : "file";
        try
        {
            return Parse(stream, path, what);
        }
        catch (InvalidDataException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
        {
            // A corrupt gzip stream: GZipStream's own message does not say which file.
            throw new InvalidDataException($"IDX file '{path}': {e.Message}", e);
        }
    }

    private static (byte[] Data, int[] Shape) Parse(Stream stream, string path, string what)
    {
        Span<byte> magic = stackalloc byte[4];
        int got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (got < 4)
            throw Bad(path, $"the {what} holds only {got} byte(s), too few for the 4-byte magic number");
        if (magic[0] != 0 || magic[1] != 0)
            throw Bad(path, $"the magic number starts with 0x{magic[0]:x2} 0x{magic[1]:x2}, not two zero bytes (not an IDX file)");
        if (magic[2] != UnsignedByteType)
            throw Bad(path, $"the data type code is 0x{magic[2]:x2}; only 0x08 (unsigned byte) is supported");
        int dims = magic[3];
        if (dims < 1 || dims > 4)
            throw Bad(path, $"the header declares {dims} dimension(s); 1 to 4 are supported");

        var shape = new int[dims];
        Span<byte> size = stackalloc byte[4];
        long count = 1;
        for (int d = 0; d < dims; d++)
        {
            if (stream.ReadAtLeast(size, 4, throwOnEndOfStream: false) < 4)
                throw Bad(path, $"the {what} ends inside the header's list of {dims} dimension sizes");
            int n = (size[0] << 24) | (size[1] << 16) | (size[2] << 8) | size[3];
            if (n <= 0)
                throw Bad(path, $"dimension {d} has size {n}; sizes must be positive");
            shape[d] = n;
            count *= n;
            if (count > Array.MaxLength)
                throw Bad(path, $"the shape [{string.Join(", ", shape[..(d + 1)])}] holds more values than an array can");
        }

        long headerBytes = 4 + 4L * dims;
        var data = new byte[count];
        int read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
            throw Bad(path, $"truncated: the shape [{string.Join(", ", shape)}] needs {count} data bytes after the {headerBytes}-byte header, but the {what} holds only {read}");
        // Trailing bytes mean the header and the data disagree, e.g. a wrong count: refuse rather than guess.
        long extra = 0;
        var scratch = new byte[8192];
        int chunk;
        while ((chunk = stream.Read(scratch)) > 0) extra += chunk;
        if (extra > 0)
            throw Bad(path, $"the shape [{string.Join(", ", shape)}] needs {count} data bytes, but the {what} holds {count + extra} ({extra} extra)");
        return (data, shape);
    }

    private static InvalidDataException Bad(string path, string problem) => new($"IDX file '{path}': {problem}.");
}
