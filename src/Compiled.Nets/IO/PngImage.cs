using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Compiled.Nets.IO;

/// <summary>
/// Writes 8-bit grayscale PNG files from float pixels: single images and grids of images (reconstructions,
/// samples, masks). Managed code only (the zlib stream of the .NET runtime), so it works under NativeAOT and
/// needs no imaging library.
/// </summary>
public static class PngImage
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];
    private static readonly uint[] CrcTable = MakeCrcTable();

    /// <summary>
    /// Writes one grayscale image of <paramref name="width"/> × <paramref name="height"/> pixels stored row by
    /// row. Values are mapped linearly from [<paramref name="min"/>, <paramref name="max"/>] to black..white and
    /// clamped; NaN is drawn black.
    /// </summary>
    public static void WriteGray(string path, ReadOnlySpan<float> pixels, int width, int height, float min = 0f, float max = 1f)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckSize(width, height);
        CheckRange(min, max);
        if (pixels.Length != (long)width * height)
            throw new ArgumentException(
                $"The image has {pixels.Length} pixels; {width} × {height} needs {(long)width * height}.", nameof(pixels));

        var gray = new byte[width * height];
        for (int i = 0; i < gray.Length; i++) gray[i] = ToByte(pixels[i], min, max);
        WriteGrayBytes(path, gray, width, height);
    }

    /// <summary>
    /// Writes <paramref name="count"/> grayscale images of <paramref name="height"/> × <paramref name="width"/>,
    /// stored one after another in <paramref name="images"/>, as a grid of <paramref name="columns"/> columns
    /// with <paramref name="padding"/> pixels of mid-gray between them. Values are mapped as in
    /// <see cref="WriteGray"/>.
    /// </summary>
    public static void WriteGrid(string path, ReadOnlySpan<float> images, int count, int height, int width, int columns,
        float min = 0f, float max = 1f, int padding = 2)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckSize(width, height);
        CheckRange(min, max);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "A grid needs at least one image.");
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "A grid needs at least one column.");
        if (padding < 0 || padding > 64) throw new ArgumentOutOfRangeException(nameof(padding), padding, "Padding is 0 to 64 pixels.");
        long needed = (long)count * height * width;
        if (images.Length != needed)
            throw new ArgumentException(
                $"The span holds {images.Length} values; {count} images of {height} × {width} need {needed}.", nameof(images));

        columns = Math.Min(columns, count);
        int rows = (count + columns - 1) / columns;
        long gridWidth = (long)columns * width + (long)(columns + 1) * padding;
        long gridHeight = (long)rows * height + (long)(rows + 1) * padding;
        CheckSize(gridWidth, gridHeight);

        var gray = new byte[gridWidth * gridHeight];
        gray.AsSpan().Fill(128);
        for (int n = 0; n < count; n++)
        {
            int top = padding + n / columns * (height + padding);
            int left = padding + n % columns * (width + padding);
            var image = images.Slice(n * height * width, height * width);
            for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                gray[(top + y) * gridWidth + left + x] = ToByte(image[y * width + x], min, max);
        }
        WriteGrayBytes(path, gray, (int)gridWidth, (int)gridHeight);
    }

    private static void CheckSize(long width, long height)
    {
        if (width < 1 || height < 1 || width > 16384 || height > 16384)
            throw new ArgumentOutOfRangeException(nameof(width), $"{width} × {height}",
                "Images are 1 to 16,384 pixels on each side.");
    }

    private static void CheckRange(float min, float max)
    {
        if (!float.IsFinite(min) || !float.IsFinite(max) || !(max > min))
            throw new ArgumentException($"The value range [{min}, {max}] must be finite with max > min.", nameof(max));
    }

    private static byte ToByte(float value, float min, float max)
    {
        float t = (value - min) / (max - min);
        if (!(t > 0f)) return 0; // also NaN
        if (t >= 1f) return 255;
        return (byte)(t * 255f + 0.5f);
    }

    private static void WriteGrayBytes(string path, byte[] gray, int width, int height)
    {
        // Filter type 0 (none) before every row, then one zlib stream: the IDAT payload.
        var raw = new byte[(long)height * (width + 1)];
        for (int y = 0; y < height; y++)
            Array.Copy(gray, (long)y * width, raw, (long)y * (width + 1) + 1, width);
        byte[] compressed;
        using (var buffer = new MemoryStream())
        {
            using (var zlib = new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
                zlib.Write(raw);
            compressed = buffer.ToArray();
        }

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;  // bit depth
        header[9] = 0;  // grayscale
        // compression 0, filter 0, no interlace

        // Written to a temporary file first so a failure never leaves a half-written picture under the name.
        string temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            file.Write(Signature);
            WriteChunk(file, "IHDR"u8, header);
            WriteChunk(file, "IDAT"u8, compressed);
            WriteChunk(file, "IEND"u8, []);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static void WriteChunk(Stream stream, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        stream.Write(type);
        stream.Write(data);
        uint crc = Crc(Crc(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        stream.Write(word);
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] MakeCrcTable()
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
}
