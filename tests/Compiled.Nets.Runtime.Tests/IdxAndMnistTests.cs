using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Runtime.CompilerServices;
using Compiled.Nets.Data;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

public sealed class IdxAndMnistTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The IDX header (00 00 type dims, big-endian sizes) followed by <paramref name="data"/>; gzipped on request.</summary>
    private static byte[] Idx(int[] shape, byte[] data, byte type = 0x08, byte[]? magicStart = null)
    {
        var stream = new MemoryStream();
        stream.Write(magicStart ?? new byte[] { 0, 0 });
        stream.WriteByte(type);
        stream.WriteByte((byte)shape.Length);
        foreach (int n in shape)
        {
            stream.WriteByte((byte)(n >> 24)); stream.WriteByte((byte)(n >> 16)); stream.WriteByte((byte)(n >> 8)); stream.WriteByte((byte)n);
        }
        stream.Write(data);
        return stream.ToArray();
    }

    private static byte[] Gzip(byte[] bytes)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(bytes);
        return output.ToArray();
    }

    private string Write(string name, byte[] bytes)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Sequence(int count) => Enumerable.Range(0, count).Select(i => (byte)(i * 7)).ToArray();

    [Fact]
    public void A_plain_file_round_trips()
    {
        byte[] data = Sequence(24);
        string path = Write("plain-idx3-ubyte", Idx(new[] { 2, 3, 4 }, data));
        var (read, shape) = IdxFile.Read(path);
        Assert.Equal(new[] { 2, 3, 4 }, shape);
        Assert.Equal(data, read);
    }

    [Fact]
    public void A_gzipped_file_round_trips()
    {
        byte[] data = Sequence(30);
        string path = Write("gz-idx1-ubyte.gz", Gzip(Idx(new[] { 30 }, data)));
        var (read, shape) = IdxFile.Read(path);
        Assert.Equal(new[] { 30 }, shape);
        Assert.Equal(data, read);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_truncated_file_names_expected_and_actual_bytes(bool gzipped)
    {
        byte[] bytes = Idx(new[] { 4, 5 }, Sequence(13)); // the header promises 20 bytes
        string path = Write("truncated", gzipped ? Gzip(bytes) : bytes);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("20", e.Message);
        Assert.Contains("13", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_that_ends_inside_its_header_is_refused(bool gzipped)
    {
        byte[] header = Idx(new[] { 4, 5, 6 }, Array.Empty<byte>())[..9]; // 3 dimensions declared, one and a bit sizes written
        string path = Write("short-header", gzipped ? Gzip(header) : header);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("ends inside the header", e.Message);
    }

    [Fact]
    public void An_empty_file_is_refused()
    {
        string path = Write("empty", Array.Empty<byte>());
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("0 byte(s)", e.Message);
    }

    [Fact]
    public void Mnist_names_a_truncated_label_file()
    {
        string images = Write("images", Idx(new[] { 3, 2, 2 }, new byte[12]));
        string labels = Write("labels.gz", Gzip(Idx(new[] { 3 }, new byte[] { 1, 2 })));
        var e = Assert.Throws<InvalidDataException>(() => Mnist.Load(images, labels));
        Assert.Contains(labels, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        string path = Write("long", Idx(new[] { 4 }, Sequence(7)));
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("3 extra", e.Message);
    }

    [Fact]
    public void A_wrong_magic_is_refused()
    {
        string path = Write("not-idx", Idx(new[] { 4 }, Sequence(4), magicStart: new byte[] { 0x50, 0x4b }));
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not an IDX file", e.Message);
    }

    [Fact]
    public void A_type_other_than_unsigned_byte_is_refused_by_code()
    {
        string path = Write("floats", Idx(new[] { 1 }, new byte[4], type: 0x0D));
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("0x0d", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void A_dimension_count_outside_1_to_4_is_refused(int dims)
    {
        var bytes = Idx(Enumerable.Repeat(1, dims).ToArray(), new byte[1]);
        string path = Write("dims", bytes);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains($"{dims} dimension(s)", e.Message);
    }

    [Fact]
    public void A_zero_size_is_refused()
    {
        string path = Write("zero", Idx(new[] { 3, 0 }, Array.Empty<byte>()));
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains("size 0", e.Message);
    }

    [Fact]
    public void A_corrupt_gzip_stream_is_refused_naming_the_file()
    {
        byte[] gz = Gzip(Idx(new[] { 100 }, Sequence(100)));
        for (int i = 10; i < gz.Length - 8; i++) gz[i] ^= 0x5A; // keep the gzip magic, ruin the deflate data
        string path = Write("corrupt.gz", gz);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Mnist_load_scales_pixels_and_reads_labels()
    {
        byte[] pixels = { 0, 255, 51, 102, /* image 2 */ 255, 0, 0, 0, /* image 3 */ 1, 2, 3, 4 };
        string images = Write("images.gz", Gzip(Idx(new[] { 3, 2, 2 }, pixels)));
        string labels = Write("labels", Idx(new[] { 3 }, new byte[] { 7, 0, 9 }));
        ClassificationData data = Mnist.Load(images, labels);
        Assert.Equal(3, data.Count);
        Assert.Equal(4, data.FeatureCount);
        Assert.Equal(10, data.ClassCount);
        Assert.Equal(new[] { 7, 0, 9 }, data.Labels);
        Assert.Equal(pixels.Select(p => p / 255f), data.Features);
        Assert.Equal(1f, data.Features[1]);
    }

    [Fact]
    public void Mnist_refuses_a_label_count_that_differs_from_the_image_count()
    {
        string images = Write("images", Idx(new[] { 3, 2, 2 }, new byte[12]));
        string labels = Write("labels", Idx(new[] { 4 }, new byte[] { 1, 2, 3, 4 }));
        var e = Assert.Throws<InvalidDataException>(() => Mnist.Load(images, labels));
        Assert.Contains("3 images", e.Message);
        Assert.Contains("4 labels", e.Message);
    }

    [Fact]
    public void Mnist_refuses_labels_above_9()
    {
        string images = Write("images", Idx(new[] { 2, 1, 1 }, new byte[2]));
        string labels = Write("labels", Idx(new[] { 2 }, new byte[] { 3, 10 }));
        var e = Assert.Throws<InvalidDataException>(() => Mnist.Load(images, labels));
        Assert.Contains("label 10", e.Message);
    }

    [Fact]
    public void Mnist_refuses_images_that_are_not_3_dimensional()
    {
        string images = Write("images", Idx(new[] { 2, 4 }, new byte[8]));
        string labels = Write("labels", Idx(new[] { 2 }, new byte[] { 1, 2 }));
        var e = Assert.Throws<InvalidDataException>(() => Mnist.Load(images, labels));
        Assert.Contains("expected 3", e.Message);
    }

    [Fact]
    public void LoadDirectory_accepts_the_original_t10k_names_uncompressed()
    {
        Write("train-images-idx3-ubyte", Idx(new[] { 2, 2, 2 }, new byte[8]));
        Write("train-labels-idx1-ubyte", Idx(new[] { 2 }, new byte[] { 1, 2 }));
        Write("t10k-images-idx3-ubyte.gz", Gzip(Idx(new[] { 1, 2, 2 }, new byte[4])));
        Write("t10k-labels-idx1-ubyte.gz", Gzip(Idx(new[] { 1 }, new byte[] { 5 })));
        var (train, test) = Mnist.LoadDirectory(_dir.Path);
        Assert.Equal(2, train.Count);
        Assert.Equal(new[] { 5 }, test.Labels);
    }

    [Fact]
    public void LoadDirectory_lists_what_it_looked_for()
    {
        Write("train-images-idx3-ubyte", Idx(new[] { 1, 1, 1 }, new byte[1]));
        Write("train-labels-idx1-ubyte", Idx(new[] { 1 }, new byte[1]));
        var e = Assert.Throws<FileNotFoundException>(() => Mnist.LoadDirectory(_dir.Path));
        Assert.Contains("t10k-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("test-images-idx3-ubyte", e.Message);
        Assert.Contains(_dir.Path, e.Message);
    }

    private static string BundledMnist([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "samples", "data", "mnist"));

    [Fact]
    public void The_bundled_MNIST_subset_loads()
    {
        var (train, test) = Mnist.LoadDirectory(BundledMnist());
        Assert.Equal(8000, train.Count);
        Assert.Equal(2000, test.Count);
        foreach (var set in new[] { train, test })
        {
            Assert.Equal(784, set.FeatureCount);
            Assert.Equal(10, set.ClassCount);
            Assert.Equal(Enumerable.Range(0, 10), set.Labels.Distinct().OrderBy(l => l));
            Assert.All(set.Features, v => Assert.InRange(v, 0f, 1f));
            Assert.Equal(1f, set.Features.Max());
        }
    }
}
