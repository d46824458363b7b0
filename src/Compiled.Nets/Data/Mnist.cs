using System;
using System.Collections.Generic;
using System.IO;

namespace Compiled.Nets.Data;

/// <summary>Loads MNIST-style handwritten digits from IDX files (plain or gzipped).</summary>
public static class Mnist
{
    /// <summary>MNIST's ten digit classes.</summary>
    public const int ClassCount = 10;

    /// <summary>
    /// Reads an image file (count × rows × cols bytes) and a label file (count bytes): features are the pixels
    /// scaled to [0, 1] (÷ 255), one row of rows × cols values per image; labels are the digits 0–9.
    /// </summary>
    public static ClassificationData Load(string imagesPath, string labelsPath)
    {
        var (pixels, imageShape) = IdxFile.Read(imagesPath);
        var (labelBytes, labelShape) = IdxFile.Read(labelsPath);
        if (imageShape.Length != 3)
            throw new InvalidDataException($"MNIST images '{imagesPath}' have {imageShape.Length} dimension(s); expected 3 (count, rows, columns).");
        if (labelShape.Length != 1)
            throw new InvalidDataException($"MNIST labels '{labelsPath}' have {labelShape.Length} dimension(s); expected 1 (count).");
        int count = imageShape[0], featureCount = imageShape[1] * imageShape[2];
        if (labelShape[0] != count)
            throw new InvalidDataException($"'{imagesPath}' holds {count} images but '{labelsPath}' holds {labelShape[0]} labels; they must match.");

        var features = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) features[i] = pixels[i] / 255f;
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (labelBytes[i] >= ClassCount)
                throw new InvalidDataException($"MNIST labels '{labelsPath}': label {labelBytes[i]} at index {i} is not a digit 0–9.");
            labels[i] = labelBytes[i];
        }
        return new ClassificationData(features, labels, featureCount, ClassCount);
    }

    /// <summary>
    /// Loads the training and test sets from a directory holding the four MNIST files, gzipped or not. The test
    /// files may be named <c>t10k-…</c> (the original MNIST distribution) or <c>test-…</c> (the bundled subset).
    /// </summary>
    public static (ClassificationData Train, ClassificationData Test) LoadDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"No MNIST directory at '{directory}'.");
        string trainImages = Find(directory, "train-images-idx3-ubyte");
        string trainLabels = Find(directory, "train-labels-idx1-ubyte");
        string testImages = Find(directory, "t10k-images-idx3-ubyte", "test-images-idx3-ubyte");
        string testLabels = Find(directory, "t10k-labels-idx1-ubyte", "test-labels-idx1-ubyte");
        return (Load(trainImages, trainLabels), Load(testImages, testLabels));
    }

    /// <summary>The first of the names (each plain, then with .gz) that exists in the directory.</summary>
    private static string Find(string directory, params string[] names)
    {
        var tried = new List<string>();
        foreach (string name in names)
            foreach (string candidate in new[] { name, name + ".gz" })
            {
                string path = Path.Combine(directory, candidate);
                if (File.Exists(path)) return path;
                tried.Add(candidate);
            }
        throw new FileNotFoundException($"The MNIST directory '{directory}' has none of: {string.Join(", ", tried)}.", Path.Combine(directory, names[0]));
    }
}
