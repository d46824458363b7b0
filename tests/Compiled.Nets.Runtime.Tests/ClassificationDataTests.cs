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
}
