using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using Compiled.Nets.IO;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

public sealed class PngImageTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A strict reader for what PngImage writes: checks the signature, every CRC, the header, the filters.</summary>
    private static (int Width, int Height, byte[] Gray) Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }, file[..8]);
        int at = 8, width = 0, height = 0;
        var idat = new MemoryStream();
        var types = new List<string>();
        while (at < file.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            var data = file.AsSpan(at + 8, length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at + 8 + length));
            Assert.Equal(ReferenceCrc(file.AsSpan(at + 4, 4 + length)), stored);
            types.Add(type);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(new byte[] { 8, 0, 0, 0, 0 }, data[8..13].ToArray());
            }
            if (type == "IDAT") idat.Write(data);
            at += 12 + length;
        }
        Assert.Equal(new[] { "IHDR", "IDAT", "IEND" }, types);
        idat.Position = 0;
        var raw = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress)) zlib.CopyTo(raw);
        byte[] rows = raw.ToArray();
        Assert.Equal(height * (width + 1), rows.Length);
        var gray = new byte[width * height];
        for (int y = 0; y < height; y++)
        {
            Assert.Equal(0, rows[y * (width + 1)]);
            Array.Copy(rows, y * (width + 1) + 1, gray, y * width, width);
        }
        return (width, height, gray);
    }

    // Bit-by-bit CRC-32 (no table), so the writer's table is checked against the definition.
    private static uint ReferenceCrc(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return crc ^ 0xFFFFFFFFu;
    }

    [Fact]
    public void IendChunkHasTheWellKnownCrc()
    {
        string path = _dir.File("one.png");
        PngImage.WriteGray(path, new float[] { 0.5f }, 1, 1);
        byte[] file = File.ReadAllBytes(path);
        // Every PNG ends with the same IEND chunk: length 0, "IEND", CRC AE 42 60 82.
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82 }, file[^12..]);
    }

    [Fact]
    public void GrayImageRoundTripsWithLinearMappingAndClamping()
    {
        string path = _dir.File("gray.png");
        float[] pixels = [-1f, -0.5f, 0f, 0.5f, 1f, 2f, float.NaN, -7f];
        PngImage.WriteGray(path, pixels, width: 4, height: 2, min: -1f, max: 1f);
        var (width, height, gray) = Read(path);
        Assert.Equal((4, 2), (width, height));
        Assert.Equal(new byte[] { 0, 64, 128, 191, 255, 255, 0, 0 }, gray);
    }

    [Fact]
    public void GridPlacesImagesRowByRowWithPadding()
    {
        string path = _dir.File("grid.png");
        // Three 2×3 images, each a constant value: 0, 0.5, 1.
        var images = new float[3 * 2 * 3];
        for (int n = 0; n < 3; n++) images.AsSpan(n * 6, 6).Fill(n * 0.5f);
        PngImage.WriteGrid(path, images, count: 3, height: 2, width: 3, columns: 2, padding: 1);
        var (width, height, gray) = Read(path);
        Assert.Equal(2 * 3 + 3 * 1, width);
        Assert.Equal(2 * 2 + 3 * 1, height);
        byte At(int x, int y) => gray[y * width + x];
        Assert.Equal(128, At(0, 0));           // padding
        Assert.Equal(0, At(1, 1));             // first image
        Assert.Equal(0, At(3, 2));
        Assert.Equal(128, At(4, 1));           // padding between columns
        Assert.Equal(128, At(5, 1));           // second image, value 0.5 → 128
        Assert.Equal(128, At(7, 2));
        Assert.Equal(255, At(1, 4));           // third image on the second row
        Assert.Equal(255, At(3, 5));
        Assert.Equal(128, At(5, 4));           // empty cell keeps the padding gray
    }

    [Fact]
    public void WrongSpanLengthThrowsAndWritesNothing()
    {
        string path = _dir.File("bad.png");
        var ex = Assert.Throws<ArgumentException>(() => PngImage.WriteGray(path, new float[5], 2, 2));
        Assert.Contains("2 × 2 needs 4", ex.Message);
        var grid = Assert.Throws<ArgumentException>(() => PngImage.WriteGrid(path, new float[7], 2, 2, 2, 2));
        Assert.Contains("2 images of 2 × 2 need 8", grid.Message);
        Assert.Throws<ArgumentException>(() => PngImage.WriteGray(path, new float[4], 2, 2, min: 1f, max: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngImage.WriteGray(path, ReadOnlySpan<float>.Empty, 0, 0));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void FailedWriteLeavesAnExistingPictureUntouched()
    {
        string path = _dir.File("keep.png");
        PngImage.WriteGray(path, new float[] { 1f, 0f }, 2, 1);
        byte[] before = File.ReadAllBytes(path);
        Assert.Throws<ArgumentException>(() => PngImage.WriteGray(path, new float[3], 2, 1));
        Assert.Equal(before, File.ReadAllBytes(path));
    }
}
