using System;
using System.Linq;
using Compiled.Nets.Data;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

public sealed class CrossValidationTests
{
    [Theory]
    [InlineData(10, 2)]
    [InlineData(10, 3)]
    [InlineData(17, 5)]
    [InlineData(150, 10)]
    [InlineData(7, 7)]
    public void Every_index_is_validated_exactly_once(int count, int folds)
    {
        var splits = CrossValidation.KFold(count, folds, seed: 3);
        Assert.Equal(folds, splits.Count);

        var validated = splits.SelectMany(s => s.Validation).OrderBy(i => i);
        Assert.Equal(Enumerable.Range(0, count), validated);

        foreach (var (train, validation) in splits)
        {
            Assert.Empty(train.Intersect(validation));
            Assert.Equal(Enumerable.Range(0, count), train.Concat(validation).OrderBy(i => i));
        }

        var sizes = splits.Select(s => s.Validation.Length).ToArray();
        Assert.True(sizes.Max() - sizes.Min() <= 1, $"fold sizes {string.Join(", ", sizes)}");
    }

    [Fact]
    public void The_same_seed_gives_the_same_folds_and_another_seed_different_ones()
    {
        var a = CrossValidation.KFold(50, 5, seed: 9);
        var b = CrossValidation.KFold(50, 5, seed: 9);
        var c = CrossValidation.KFold(50, 5, seed: 10);
        for (int f = 0; f < 5; f++)
        {
            Assert.Equal(a[f].Train, b[f].Train);
            Assert.Equal(a[f].Validation, b[f].Validation);
        }
        Assert.NotEqual(a[0].Validation, c[0].Validation);
    }

    [Fact]
    public void Indices_are_shuffled()
    {
        var splits = CrossValidation.KFold(100, 4, seed: 1);
        Assert.NotEqual(Enumerable.Range(0, 25), splits[0].Validation);
    }

    [Theory]
    [InlineData(10, 1)]
    [InlineData(10, 0)]
    [InlineData(3, 4)]
    public void Impossible_fold_counts_are_refused(int count, int folds)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossValidation.KFold(count, folds, seed: 1));
    }

    [Fact]
    public void A_negative_sample_count_is_refused_by_name()
    {
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => CrossValidation.KFold(-5, 2, seed: 1)).ParamName);
    }

    [Fact]
    public void Balanced_class_weights_match_scikit_learn()
    {
        // sklearn.utils.class_weight.compute_class_weight("balanced", classes=[0, 1, 2], y=[0, 0, 0, 1, 1, 2])
        // = 6 / (3 × [3, 2, 1]) = [0.667, 1.0, 2.0]
        float[] weights = ClassWeights.Balanced(new[] { 0, 0, 0, 1, 1, 2 }, 3);
        Assert.Equal(2f / 3f, weights[0], 6);
        Assert.Equal(1f, weights[1], 6);
        Assert.Equal(2f, weights[2], 6);
    }

    [Fact]
    public void A_class_without_samples_gets_weight_zero()
    {
        float[] weights = ClassWeights.Balanced(new[] { 0, 0, 0, 2 }, 4);
        Assert.Equal(new[] { 4f / 12f, 0f, 4f / 4f, 0f }, weights);
    }

    [Fact]
    public void Balanced_weights_refuse_labels_outside_the_classes()
    {
        Assert.Throws<ArgumentException>(() => ClassWeights.Balanced(new[] { 0, 3 }, 3));
        Assert.Throws<ArgumentException>(() => ClassWeights.Balanced(new[] { -1 }, 3));
    }
}
