using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Compiled.Nets.Data;

/// <summary>A classification data set in memory: one row of features per sample and a class index.</summary>
public sealed class ClassificationData
{
    /// <summary>
    /// A data set over the given arrays (not copied): <paramref name="features"/> holds one row of
    /// <paramref name="featureCount"/> values per label, every label is in [0, <paramref name="classCount"/>).
    /// No samples at all is allowed here (a split may leave none); <c>Fit</c> refuses an empty set.
    /// </summary>
    public ClassificationData(float[] features, int[] labels, int featureCount, int classCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (featureCount <= 0) throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "must be positive");
        if (classCount <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "must be positive");
        if (features.Length != (long)labels.Length * featureCount)
            throw new ArgumentException($"features has length {features.Length}, but {labels.Length} samples of {featureCount} features need {(long)labels.Length * featureCount}.", nameof(features));
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] < 0 || labels[i] >= classCount)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"label {labels[i]} of sample {i} is outside [0, {classCount}).");
        Features = features;
        Labels = labels;
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    /// <summary>Features, row after row (<see cref="Count"/> × <see cref="FeatureCount"/>).</summary>
    public float[] Features { get; }
    /// <summary>The class of each sample, in [0, <see cref="ClassCount"/>).</summary>
    public int[] Labels { get; }
    /// <summary>Values per sample.</summary>
    public int FeatureCount { get; }
    /// <summary>The number of classes.</summary>
    public int ClassCount { get; }
    /// <summary>The number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>
    /// Reads a CSV file of numeric features with the class index in the last column. A first line that is
    /// not all numbers is taken as a header (scikit-learn's files start with "150,4,setosa,…"). A gzipped file
    /// (digits.csv.gz) is read as it is.
    /// </summary>
    public static ClassificationData LoadCsv(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No data file at '{path}'.", path);
        var features = new List<float>();
        var labels = new List<int>();
        int featureCount = -1, lineNumber = 0;
        foreach (string raw in ReadLines(path))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0) continue;
            string[] cells = line.Split(',');
            if (lineNumber == 1 && !AllNumbers(cells)) continue;
            if (cells.Length < 2) throw new FormatException($"{path}:{lineNumber}: expected features and a label, found {cells.Length} column(s).");
            if (featureCount < 0) featureCount = cells.Length - 1;
            else if (cells.Length - 1 != featureCount)
                throw new FormatException($"{path}:{lineNumber}: expected {featureCount + 1} columns like the first row, found {cells.Length}.");
            for (int i = 0; i < featureCount; i++)
            {
                if (!float.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                    throw new FormatException($"{path}:{lineNumber}: column {i + 1} ('{cells[i]}') is not a number.");
                features.Add(value);
            }
            // int.MaxValue too: the class count is the largest label + 1.
            if (!int.TryParse(cells[featureCount], NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) || label < 0 || label == int.MaxValue)
                throw new FormatException($"{path}:{lineNumber}: the label '{cells[featureCount]}' is not a class index (a non-negative integer).");
            labels.Add(label);
        }
        if (labels.Count == 0) throw new FormatException($"{path}: no data rows.");
        int classCount = 0;
        foreach (int label in labels) classCount = Math.Max(classCount, label + 1);
        return new ClassificationData(features.ToArray(), labels.ToArray(), featureCount, classCount);
    }

    private static bool AllNumbers(string[] cells)
    {
        foreach (string cell in cells)
            if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return false;
        return true;
    }

    /// <summary>Targets as one-hot rows (<see cref="Count"/> × <see cref="ClassCount"/>).</summary>
    /// <summary>The file's lines, through a gzip decompressor when it starts with gzip's magic bytes.</summary>
    private static IEnumerable<string> ReadLines(string path)
    {
        using var file = File.OpenRead(path);
        bool gzipped = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using Stream stream = gzipped ? new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line) yield return line;
    }

    /// <summary>The labels as one-hot rows (<see cref="Count"/> × <see cref="ClassCount"/>), the targets of a softmax output.</summary>
    public float[] OneHotTargets() => OneHot(Labels, ClassCount);

    /// <summary>Class indices as one-hot rows, for <c>TrainStep</c> with softmax cross-entropy.</summary>
    public static float[] OneHot(ReadOnlySpan<int> labels, int classCount)
    {
        if (classCount <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "must be positive");
        long length = (long)labels.Length * classCount;
        if (length > Array.MaxLength)
            throw new ArgumentException($"{labels.Length} samples of {classCount} classes need {length} one-hot values, more than an array holds.", nameof(labels));
        var targets = new float[length];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentOutOfRangeException(nameof(labels), $"label {labels[i]} of sample {i} is outside [0, {classCount}).");
            targets[i * classCount + labels[i]] = 1f;
        }
        return targets;
    }

    /// <summary>Per-feature minimum and maximum of this set (use the training set's for every split).</summary>
    public (float[] Minimum, float[] Maximum) FeatureRanges()
    {
        var min = new float[FeatureCount];
        var max = new float[FeatureCount];
        Array.Fill(min, float.PositiveInfinity);
        Array.Fill(max, float.NegativeInfinity);
        for (int i = 0; i < Count; i++)
            for (int f = 0; f < FeatureCount; f++)
            {
                float v = Features[i * FeatureCount + f];
                min[f] = Math.Min(min[f], v);
                max[f] = Math.Max(max[f], v);
            }
        return (min, max);
    }

    /// <summary>A copy with every feature scaled to [0, 1] by the given ranges (a constant feature becomes 0).</summary>
    public ClassificationData ScaleToUnitRange(float[] minimum, float[] maximum)
    {
        if (minimum.Length != FeatureCount || maximum.Length != FeatureCount)
            throw new ArgumentException($"minimum and maximum need {FeatureCount} values, one per feature.");
        var features = new float[Features.Length];
        for (int i = 0; i < Count; i++)
            for (int f = 0; f < FeatureCount; f++)
            {
                float range = maximum[f] - minimum[f];
                features[i * FeatureCount + f] = range > 0f ? (Features[i * FeatureCount + f] - minimum[f]) / range : 0f;
            }
        return new ClassificationData(features, (int[])Labels.Clone(), FeatureCount, ClassCount);
    }

    /// <summary>Splits into a training and a test set, stratified by class, shuffled with <paramref name="seed"/>.</summary>
    public (ClassificationData Train, ClassificationData Test) Split(double testFraction, int seed)
    {
        if (!(testFraction > 0 && testFraction < 1)) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "must be in (0, 1)");
        var random = new SeededRandom(seed);
        var train = new List<int>();
        var test = new List<int>();
        for (int c = 0; c < ClassCount; c++)
        {
            var members = new List<int>();
            for (int i = 0; i < Count; i++) if (Labels[i] == c) members.Add(i);
            var shuffled = members.ToArray();
            random.Shuffle<int>(shuffled);
            int testCount = (int)Math.Round(shuffled.Length * testFraction);
            for (int i = 0; i < shuffled.Length; i++) (i < testCount ? test : train).Add(shuffled[i]);
        }
        var trainOrder = train.ToArray();
        var testOrder = test.ToArray();
        random.Shuffle<int>(trainOrder);
        random.Shuffle<int>(testOrder);
        return (Subset(trainOrder), Subset(testOrder));
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order.</summary>
    public ClassificationData Subset(ReadOnlySpan<int> indices)
    {
        for (int i = 0; i < indices.Length; i++)
            if ((uint)indices[i] >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), indices[i], $"index {i} of the subset is {indices[i]}, outside the {Count} samples.");
        var features = new float[indices.Length * FeatureCount];
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            Features.AsSpan(indices[i] * FeatureCount, FeatureCount).CopyTo(features.AsSpan(i * FeatureCount));
            labels[i] = Labels[indices[i]];
        }
        return new ClassificationData(features, labels, FeatureCount, ClassCount);
    }

    /// <summary>Per-feature mean and standard deviation of this set (use the training set's for every split).</summary>
    public (float[] Mean, float[] StandardDeviation) FeatureStatistics()
    {
        var mean = new double[FeatureCount];
        var sq = new double[FeatureCount];
        for (int i = 0; i < Count; i++)
            for (int f = 0; f < FeatureCount; f++) { double v = Features[i * FeatureCount + f]; mean[f] += v; sq[f] += v * v; }
        var m = new float[FeatureCount];
        var s = new float[FeatureCount];
        for (int f = 0; f < FeatureCount; f++)
        {
            double mu = mean[f] / Count;
            m[f] = (float)mu;
            s[f] = (float)Math.Sqrt(Math.Max(sq[f] / Count - mu * mu, 0));
        }
        return (m, s);
    }

    /// <summary>A copy with every feature standardised: (x − mean) / std (a zero std leaves the feature centred only).</summary>
    public ClassificationData Standardize(float[] mean, float[] standardDeviation)
    {
        if (mean.Length != FeatureCount || standardDeviation.Length != FeatureCount)
            throw new ArgumentException($"mean and standardDeviation need {FeatureCount} values, one per feature.");
        var features = new float[Features.Length];
        for (int i = 0; i < Count; i++)
            for (int f = 0; f < FeatureCount; f++)
            {
                float sd = standardDeviation[f] > 0f ? standardDeviation[f] : 1f;
                features[i * FeatureCount + f] = (Features[i * FeatureCount + f] - mean[f]) / sd;
            }
        return new ClassificationData(features, (int[])Labels.Clone(), FeatureCount, ClassCount);
    }
}
