using System;
using System.Collections.Generic;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Tests;

/// <summary>
/// Finite-difference checks of the generated backward pass: every activation (tanh, logistic with slope,
/// ReLU, leaky ReLU, softplus, softmax, linear) and every loss (MSE, BCE fused and unfused, softmax
/// cross-entropy on probabilities and on logits), through both unrolled and SIMD code.
/// </summary>
public class GradientCheckTests
{
    private readonly ITestOutputHelper _output;
    public GradientCheckTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Cases() => new[]
    {
        new object[] { "unrolled: tanh, logistic k=0.7, ReLU, leaky, softplus, softmax hidden, logits + CE", (Func<ITrainableNetwork>)(() => new EveryActivationUnrolled(1)), Targets.OneHot },
        new object[] { "SIMD: tanh, logistic k=0.7, ReLU, leaky, softplus, softmax hidden, logits + CE", (Func<ITrainableNetwork>)(() => new EveryActivationSimd(1)), Targets.OneHot },
        new object[] { "unrolled: tanh + logistic output, BCE fused", (Func<ITrainableNetwork>)(() => new GoldenTanhLogisticBce(2)), Targets.Probabilities },
        new object[] { "unrolled: ReLU + softmax output, CE on probabilities", (Func<ITrainableNetwork>)(() => new GoldenReluSoftmaxCe(3)), Targets.OneHot },
        new object[] { "unrolled: leaky + softplus + linear, MSE", (Func<ITrainableNetwork>)(() => new GoldenLeakySoftplusMse(4)), Targets.Gaussian },
        new object[] { "unrolled: logistic k=2 hidden, MSE", (Func<ITrainableNetwork>)(() => new GoldenLogisticSlopeMse(5)), Targets.Gaussian },
        new object[] { "unrolled: softmax output, MSE (Jacobian path)", (Func<ITrainableNetwork>)(() => new GoldenSoftmaxMse(6)), Targets.Probabilities },
        new object[] { "SIMD, ragged sizes: ReLU, tanh, softmax output, CE", (Func<ITrainableNetwork>)(() => new GoldenLargeReluCe(7)), Targets.OneHot },
        new object[] { "SIMD, ragged sizes: leaky, logistic k=1.5, linear output, MSE", (Func<ITrainableNetwork>)(() => new GoldenLargeLeakyLogisticMse(8)), Targets.Gaussian },
        new object[] { "SIMD: softplus + softmax output, BCE unfused", (Func<ITrainableNetwork>)(() => new BceOnSoftmaxSimd(9)), Targets.Probabilities },
        new object[] { "SIMD: ReLU + tanh output, MSE", (Func<ITrainableNetwork>)(() => new MseTanhOutputSimd(10)), Targets.Gaussian },
        new object[] { "SIMD: leaky output as logits, CE", (Func<ITrainableNetwork>)(() => new LogitsCeThroughLeakySimd(11)), Targets.OneHot },
        new object[] { "unrolled: hidden softmax + logistic output, BCE", (Func<ITrainableNetwork>)(() => new GoldenHiddenSoftmaxBce(12)), Targets.Probabilities },
        new object[] { "tied weights: logistic decoder on a tanh encoder, BCE", (Func<ITrainableNetwork>)(() => new GoldenTiedAutoencoder(13)), Targets.Probabilities },
        new object[] { "tied weights: two mirrored pairs, MSE", (Func<ITrainableNetwork>)(() => new GoldenTiedDeep(14)), Targets.Gaussian },
        new object[] { "activity L1 on a logistic code, BCE", (Func<ITrainableNetwork>)(() => new GoldenActivityL1Logistic(15)), Targets.Probabilities },
        new object[] { "SIMD: tied weights with activity L1 on a softplus code, MSE", (Func<ITrainableNetwork>)(() => new TiedSparseSimd(16)), Targets.Gaussian },
        new object[] { "PReLU on the input and after softplus, MSE", (Func<ITrainableNetwork>)(() => new PReLUNet(17)), Targets.Gaussian },
        new object[] { "PReLU between linear layers (its own slopes), MSE", (Func<ITrainableNetwork>)(() => new GoldenPReLU(18)), Targets.Gaussian },
    };

    public enum Targets { OneHot, Probabilities, Gaussian }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Analytic_gradients_match_central_differences(string description, Func<ITrainableNetwork> create, Targets kind)
    {
        var net = create();
        const int batch = 5;
        float[] inputs = TestData.Random(batch * net.InputLength, seed: 100);
        float[] targets = kind switch
        {
            Targets.OneHot => TestData.OneHot(batch, net.OutputLength, seed: 200),
            Targets.Probabilities => TestData.Probabilities(batch * net.OutputLength, seed: 200),
            _ => TestData.Random(batch * net.OutputLength, seed: 200),
        };
        var (relativeNorm, worst) = CompareWithCentralDifferences(net, inputs, targets, batch, training: false);
        _output.WriteLine($"{description}: {net.Parameters.Length} parameters, ‖num − analytic‖/‖num‖ = {relativeNorm:E2}, worst element {worst:E2}");
        Assert.True(relativeNorm < 1e-2, $"relative gradient error {relativeNorm:E2}");
        Assert.True(worst < 5e-2, $"worst element error {worst:E2}");
    }

    /// <summary>
    /// The analytic gradient of the batch's loss against central differences of the loss (h = 1e-3, in float like the
    /// network: it balances truncation, h², and rounding, ε/h): the relative norm of the difference and the worst element.
    /// <paramref name="training"/> evaluates the loss as training does (batch statistics, the step's dropout mask).
    /// </summary>
    internal static (double RelativeNorm, double Worst) CompareWithCentralDifferences(ITrainableNetwork net, float[] inputs, float[] targets, int batch, bool training)
    {
        net.ComputeGradients(inputs, targets, batch);
        float[] analytic = net.Gradients.ToArray();
        const float h = 1e-3f;
        double worst = 0, sumSquares = 0, sumSquaresDiff = 0;
        var parameters = net.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            float saved = parameters[i];
            parameters[i] = saved + h;
            double plus = net.EvaluateLoss(inputs, targets, batch, training);
            parameters[i] = saved - h;
            double minus = net.EvaluateLoss(inputs, targets, batch, training);
            parameters[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            double difference = Math.Abs(numeric - analytic[i]);
            worst = Math.Max(worst, difference / Math.Max(1e-2, Math.Abs(numeric) + Math.Abs(analytic[i])));
            sumSquares += numeric * numeric;
            sumSquaresDiff += difference * difference;
        }
        Assert.True(sumSquares > 0, "the loss does not depend on the parameters");
        return (Math.Sqrt(sumSquaresDiff / Math.Max(sumSquares, 1e-30)), worst);
    }

    /// <summary>
    /// <see cref="CompareWithCentralDifferences"/> for networks whose loss has kinks and steps at a few parameter values
    /// (ReLU at zero, a max pooling whose winner changes, max-unpooling that moves a value with its switch): where the
    /// central difference disagrees and the one-sided differences (L(θ + h) − L(θ))/h and (L(θ) − L(θ − h))/h differ from
    /// each other (a kink or a step within h), the analytic gradient must match one of them instead. Returns the
    /// relative norm and the worst element over what was compared that way, how many elements needed a side, and the
    /// elements still beyond <paramref name="tolerance"/> (index, analytic, central, left and right differences): with
    /// BatchNorm every parameter moves every unit of the batch, so a few elements have kinks on both sides.
    /// </summary>
    internal static (double RelativeNorm, double Worst, int Kinks, List<string> Beyond) CompareAllowingKinks(ITrainableNetwork net, float[] inputs, float[] targets, int batch, bool training, double tolerance = 5e-2)
    {
        net.ComputeGradients(inputs, targets, batch);
        float[] analytic = net.Gradients.ToArray();
        const float h = 1e-3f;
        static double Error(double numeric, double exact) => Math.Abs(numeric - exact) / Math.Max(1e-2, Math.Abs(numeric) + Math.Abs(exact));
        double centre = net.EvaluateLoss(inputs, targets, batch, training);
        double worst = 0, sumSquares = 0, sumSquaresDiff = 0;
        int kinks = 0;
        var beyond = new List<string>();
        var parameters = net.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            float saved = parameters[i];
            parameters[i] = saved + h;
            double plus = net.EvaluateLoss(inputs, targets, batch, training);
            parameters[i] = saved - h;
            double minus = net.EvaluateLoss(inputs, targets, batch, training);
            parameters[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            double right = (plus - centre) / h, left = (centre - minus) / h;
            if (Error(numeric, analytic[i]) > 5e-2 && Error(right, left) > 0.1)
            {
                double side = Error(right, analytic[i]) < Error(left, analytic[i]) ? right : left;
                if (Error(side, analytic[i]) < 5e-2)
                {
                    kinks++;
                    numeric = side;
                }
            }
            double difference = Math.Abs(numeric - analytic[i]);
            if (Error(numeric, analytic[i]) > tolerance) beyond.Add($"[{i}] analytic {analytic[i]:E3}, central {(plus - minus) / (2 * h):E3}, left {left:E3}, right {right:E3}");
            worst = Math.Max(worst, Error(numeric, analytic[i]));
            sumSquares += numeric * numeric;
            sumSquaresDiff += difference * difference;
        }
        Assert.True(sumSquares > 0, "the loss does not depend on the parameters");
        return (Math.Sqrt(sumSquaresDiff / Math.Max(sumSquares, 1e-30)), worst, kinks, beyond);
    }

    [Fact]
    public void Unrolled_and_simd_code_agree()
    {
        var unrolled = new EveryActivationUnrolled(21);
        var simd = new EveryActivationSimd(21);
        Assert.Equal(unrolled.Parameters.ToArray(), simd.Parameters.ToArray());
        const int batch = 7;
        float[] inputs = TestData.Random(batch * EveryActivationSimd.InputSize, 3);
        float[] targets = TestData.OneHot(batch, EveryActivationSimd.OutputSize, 4);
        float a = unrolled.ComputeGradients(inputs, targets, batch);
        float b = simd.ComputeGradients(inputs, targets, batch);
        Assert.Equal(a, b, 5);
        double error = GoldenTests.MaxError(simd.Gradients.ToArray(), unrolled.Gradients.ToArray());
        _output.WriteLine($"max gradient difference unrolled vs SIMD: {error:E2}");
        Assert.True(error < 1e-5);
    }

    public static IEnumerable<object[]> AccumulatingNetworks() => new[]
    {
        new object[] { (Func<ITrainableNetwork>)(() => new EveryActivationUnrolled(1)) }, new object[] { (Func<ITrainableNetwork>)(() => new EveryActivationSimd(1)) },
        new object[] { (Func<ITrainableNetwork>)(() => new PReLUNet(2)) }, new object[] { (Func<ITrainableNetwork>)(() => new BatchNormNet(3)) },
        new object[] { (Func<ITrainableNetwork>)(() => new ConvValidStride2(4)) }, new object[] { (Func<ITrainableNetwork>)(() => new ConvSameFullGroups(5)) },
        new object[] { (Func<ITrainableNetwork>)(() => new TransposedUnpoolNet(6)) }, new object[] { (Func<ITrainableNetwork>)(() => new SeparableMaxoutNet(7)) },
        new object[] { (Func<ITrainableNetwork>)(() => new ResidualNet(8)) },
    };

    /// <summary>
    /// The gradient kernels add to the gradient arena (a weight read by several ops sums them), so the backward pass
    /// zeroes it once at its start: the same step twice gives the same gradients, not twice them.
    /// </summary>
    [Theory]
    [MemberData(nameof(AccumulatingNetworks))]
    public void Each_backward_pass_starts_from_zero_gradients(Func<ITrainableNetwork> create)
    {
        var net = create();
        const int batch = 6;
        float[] inputs = TestData.Random(batch * net.InputLength, 5);
        float[] targets = TestData.OneHot(batch, net.OutputLength, 6);
        net.ComputeGradients(inputs, targets, batch);
        float[] first = net.Gradients.ToArray();
        Assert.Contains(first, g => g != 0f);
        net.ComputeGradients(inputs, targets, batch);
        Assert.Equal(first, net.Gradients.ToArray());
    }
}
