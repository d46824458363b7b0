using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Compiled.Nets.Samples.Segmentation;

/// <summary>
/// A minimal 8-bit grayscale PNG writer (signature, IHDR, one zlib IDAT, IEND; CRC-32 per chunk), with the API of
/// <c>Compiled.Nets.IO.PngImage</c>, which is being added to the library; this sample switches to it once it lands.
/// </summary>
public static class Png
{
    /// <summary>
    /// <paramref name="count"/> images of <paramref name="height"/>×<paramref name="width"/> values, stored one after another,
    /// tiled <paramref name="columns"/> to a row with a 2-pixel grey gap; values map linearly from [min, max] to 0…255, clamped.
    /// </summary>
    public static void WriteGrid(string path, ReadOnlySpan<float> images, int count, int height, int width, int columns, float min = 0, float max = 1)
    {
        if (count <= 0 || height <= 0 || width <= 0 || columns <= 0)
            throw new ArgumentOutOfRangeException(nameof(count), $"count {count}, height {height}, width {width} and columns {columns} must be positive");
        if (images.Length != (long)count * height * width)
            throw new ArgumentException($"{images.Length} values for {count} images of {height}×{width}", nameof(images));
        const int gap = 2;
        int rows = (count + columns - 1) / columns;
        int gridWidth = columns * width + (columns + 1) * gap, gridHeight = rows * height + (rows + 1) * gap;
        var pixels = new float[gridWidth * gridHeight];
        pixels.AsSpan().Fill(min + 0.5f * (max - min));
        for (int n = 0; n < count; n++)
        {
            int top = gap + n / columns * (height + gap), left = gap + n % columns * (width + gap);
            for (int y = 0; y < height; y++)
                images.Slice((n * height + y) * width, width).CopyTo(pixels.AsSpan((top + y) * gridWidth + left, width));
        }
        WriteGray(path, pixels, gridWidth, gridHeight, min, max);
    }

    /// <summary>One grayscale image, row after row; values map linearly from [min, max] to 0…255, clamped.</summary>
    public static void WriteGray(string path, ReadOnlySpan<float> pixels, int width, int height, float min = 0, float max = 1)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"width {width} and height {height} must be positive");
        if (pixels.Length != (long)width * height) throw new ArgumentException($"{pixels.Length} values for {width}×{height}", nameof(pixels));
        if (!(max > min) || !float.IsFinite(min) || !float.IsFinite(max)) throw new ArgumentException($"min {min} must be below max {max}, both finite", nameof(max));

        // Each row: filter type 0 (none), then the bytes.
        var raw = new byte[height * (width + 1)];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                float v = (pixels[y * width + x] - min) / (max - min);
                raw[y * (width + 1) + 1 + x] = (byte)Math.Round(255 * Math.Clamp(float.IsNaN(v) ? 0 : v, 0, 1));
            }
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(raw);

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;  // bit depth
        header[9] = 0;  // grayscale; compression, filter and interlace methods 0
        using var file = File.Create(path);
        file.Write(stackalloc byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A });
        WriteChunk(file, "IHDR", header);
        WriteChunk(file, "IDAT", compressed.ToArray());
        WriteChunk(file, "IEND", Array.Empty<byte>());
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        var typed = new byte[4 + data.Length];
        for (int i = 0; i < 4; i++) typed[i] = (byte)type[i];
        data.CopyTo(typed, 4);
        stream.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        stream.Write(word);
    }

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>The CRC-32 of PNG chunks (ISO 3309, the one zip uses), over the chunk's type and data.</summary>
    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in bytes) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
