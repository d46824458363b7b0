using System;
using System.Linq;
using Compiled.Nets.Data;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

public class ClassificationDataTests
{
    private static ClassificationData Small() => new(
        new float[] { 1, 10, 3, 10, 5, 10, 7, 10 }, new[] { 0, 1, 0, 1 }, featureCount: 2, classCount: 2);

    [Fact]
    public void One_hot_rows_from_labels_and_bad_labels_are_refused()
    {
        Assert.Equal(new float[] { 0, 1, 0, 1, 0, 0, 0, 0, 1 }, ClassificationData.OneHot(new[] { 1, 0, 2 }, 3));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationData.OneHot(new[] { 0, 3 }, 3));
        Assert.Contains("sample 1", e.Message);
        Assert.Equal(new float[] { 1, 0, 0, 1, 1, 0, 0, 1 }, Small().OneHotTargets());
    }

    [Fact]
    public void Unit_range_scaling_uses_the_given_ranges()
    {
        var data = Small();
        var (min, max) = data.FeatureRanges();
        Assert.Equal(new float[] { 1, 10 }, min);
        Assert.Equal(new float[] { 7, 10 }, max);
        var scaled = data.ScaleToUnitRange(min, max);
        Assert.Equal(new float[] { 0, 0, 1f / 3, 0, 2f / 3, 0, 1, 0 }, scaled.Features);
        Assert.Throws<ArgumentException>(() => data.ScaleToUnitRange(new float[1], max));
    }

    [Fact]
    public void Standardisation_gives_zero_mean_and_unit_deviation()
    {
        var data = Small();
        var (mean, std) = data.FeatureStatistics();
        var standardized = data.Standardize(mean, std);
        var first = Enumerable.Range(0, 4).Select(i => standardized.Features[i * 2]).ToArray();
        Assert.Equal(0, first.Average(), 5);
        Assert.Equal(1, Math.Sqrt(first.Select(v => v * v).Average()), 5);
        Assert.All(Enumerable.Range(0, 4).Select(i => standardized.Features[i * 2 + 1]), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Stratified_split_keeps_class_proportions_and_is_seeded()
    {
        var labels = Enumerable.Range(0, 100).Select(i => i < 80 ? 0 : 1).ToArray();
        var data = new ClassificationData(Enumerable.Range(0, 100).Select(i => (float)i).ToArray(), labels, 1, 2);
        var (train, test) = data.Split(0.25, seed: 3);
        Assert.Equal(75, train.Count);
        Assert.Equal(25, test.Count);
        Assert.Equal(20, test.Labels.Count(l => l == 0));
        Assert.Equal(5, test.Labels.Count(l => l == 1));
        Assert.Empty(train.Features.Intersect(test.Features));
        Assert.Equal(test.Features, data.Split(0.25, seed: 3).Test.Features);
    }

    // ---- What the constructor and Subset refuse ----

    [Fact]
    public void Features_that_are_not_one_row_per_label_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new ClassificationData(new float[7], new[] { 0, 1 }, 4, 2));
        Assert.Equal("features", e.ParamName);
        Assert.Contains("need 8", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void A_class_count_below_one_is_refused(int classCount)
    {
        // Before, an empty set with a negative class count was accepted and failed later, building one-hot rows.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ClassificationData(Array.Empty<float>(), Array.Empty<int>(), 1, classCount));
        Assert.Equal("classCount", e.ParamName);
    }

    [Fact]
    public void A_feature_count_below_one_is_refused()
    {
        Assert.Equal("featureCount", Assert.Throws<ArgumentOutOfRangeException>(() => new ClassificationData(new float[2], new[] { 0, 1 }, 0, 2)).ParamName);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-1)]
    public void A_label_outside_the_classes_is_refused_with_its_sample(int label)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ClassificationData(new float[3], new[] { 0, 1, label }, 1, 2));
        Assert.Equal("labels", e.ParamName);
        Assert.Contains($"label {label} of sample 2", e.Message);
    }

    [Fact]
    public void Missing_arrays_are_refused()
    {
        Assert.Equal("features", Assert.Throws<ArgumentNullException>(() => new ClassificationData(null!, new[] { 0 }, 1, 1)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentNullException>(() => new ClassificationData(new float[1], null!, 1, 1)).ParamName);
    }

    [Fact]
    public void An_empty_set_is_allowed_here_and_refused_by_Fit()
    {
        var empty = new ClassificationData(Array.Empty<float>(), Array.Empty<int>(), 3, 2);
        Assert.Equal(0, empty.Count);
        Assert.Empty(empty.OneHotTargets());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(-1)]
    public void A_subset_index_outside_the_samples_is_refused(int index)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Small().Subset(new[] { 0, index }));
        Assert.Equal("indices", e.ParamName);
        Assert.Contains("index 1", e.Message);
    }

    [Fact]
    public void A_csv_label_too_large_for_a_class_count_is_refused()
    {
        using var directory = new TempDirectory();
        string path = directory.File("huge-label.csv");
        System.IO.File.WriteAllText(path, "1.5,0\n2.5,2147483647\n");
        var e = Assert.Throws<FormatException>(() => ClassificationData.LoadCsv(path));
        Assert.Contains(":2:", e.Message);
    }
}
