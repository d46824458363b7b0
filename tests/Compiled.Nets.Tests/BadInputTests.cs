using System;
using Xunit;

namespace Compiled.Nets.Tests;

public class BadInputTests
{
    [Fact]
    public void Forward_with_wrong_span_lengths_names_expected_and_actual()
    {
        var net = new XorNet();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(new float[3], new float[1]));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("length 3", e.Message);
        Assert.Contains("needs 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.Forward(new float[2], new float[2]));
        Assert.Equal("output", e.ParamName);
    }

    [Fact]
    public void Predict_refuses_partial_samples_and_short_outputs()
    {
        var net = new IrisNet();
        var e = Assert.Throws<ArgumentException>(() => net.Predict(new float[10], new float[9]));
        Assert.Contains("not a whole number of samples of 4", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.Predict(new float[8], new float[5]));
        Assert.Contains("need 6", e.Message);
    }

    [Fact]
    public void Train_step_checks_batch_and_lengths()
    {
        var net = new XorNet();
        Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainStep(new float[8], new float[4], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainStep(new float[8], new float[4], -4));
        var e = Assert.Throws<ArgumentException>(() => net.TrainStep(new float[7], new float[4], 4));
        Assert.Contains("inputs has length 7", e.Message);
        Assert.Contains("needs 8", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.TrainStep(new float[8], new float[3], 4));
        Assert.Contains("targets has length 3", e.Message);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Learning_rate_must_be_positive_and_finite(float rate)
    {
        var net = new XorNet();
        Assert.Throws<ArgumentOutOfRangeException>(() => net.LearningRate = rate);
        Assert.Equal(0.5f, net.LearningRate);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HeavisidePerceptron().LearningRate = rate);
    }

    [Fact]
    public void Non_finite_input_is_refused_before_the_step_and_names_the_sample()
    {
        var net = new XorNet();
        float[] inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
        float[] targets = { 0, 1, 1, 0 };
        net.TrainStep(inputs, targets, 4);
        net.TrainStep(inputs, targets, 4);
        float[] before = net.Parameters.ToArray();
        inputs[3] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => net.TrainStep(inputs, targets, 4));
        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("NaN at index 3 (sample 1, value 1)", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.Equal(2, net.StepCount);
    }

    [Fact]
    public void Non_finite_loss_names_the_step_and_leaves_parameters_unchanged()
    {
        var net = new GoldenLeakySoftplusMse(1);
        float[] inputs = TestData.Random(12, 1);
        float[] targets = TestData.Random(8, 2);
        net.TrainStep(inputs, targets, 4);
        float[] before = net.Parameters.ToArray();
        // Finite, but its square overflows: the loss is +∞.
        inputs[2] = 3e38f;
        var e = Assert.Throws<NonFiniteLossException>(() => net.TrainStep(inputs, targets, 4));
        Assert.Equal(1, e.Step);
        Assert.Contains("training step 1", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.Equal(1, net.StepCount);
    }

    [Fact]
    public void Diverging_learning_rate_is_caught()
    {
        var net = new GoldenLeakySoftplusMse(1) { LearningRate = 1e6f };
        float[] inputs = TestData.Random(12, 1, scale: 10f);
        float[] targets = TestData.Random(8, 2, scale: 100f);
        var e = Assert.Throws<NonFiniteLossException>(() =>
        {
            for (int i = 0; i < 1000; i++) net.TrainStep(inputs, targets, 4);
        });
        Assert.True(float.IsNaN(e.LossValue) || float.IsInfinity(e.LossValue));
    }

    [Fact]
    public void Perceptron_training_checks_its_arguments()
    {
        var net = new HeavisidePerceptron();
        Assert.Throws<ArgumentException>(() => net.TrainPerceptron(new float[8], new float[3]));
        Assert.Throws<ArgumentException>(() => net.TrainPerceptron(new float[7], new float[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainPerceptron(new float[8], new float[4], maxEpochs: 0));
        Assert.Throws<ArgumentException>(() => net.PerceptronStep(new float[2], new float[2]));
    }

    [Fact]
    public void Csv_loader_reports_line_and_column()
    {
        string path = System.IO.Path.GetTempFileName();
        try
        {
            System.IO.File.WriteAllText(path, "1,2,0\n3,x,1\n");
            var e = Assert.Throws<FormatException>(() => Compiled.Nets.Data.ClassificationData.LoadCsv(path));
            Assert.Contains(":2: column 2 ('x')", e.Message);
            System.IO.File.WriteAllText(path, "1,2,0\n3,4,5,1\n");
            e = Assert.Throws<FormatException>(() => Compiled.Nets.Data.ClassificationData.LoadCsv(path));
            Assert.Contains("expected 3 columns", e.Message);
        }
        finally { System.IO.File.Delete(path); }
    }
}
