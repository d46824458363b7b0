namespace Compiled.Nets.Tests;

// The CNN chapter's named architectures, each as a small network with a 3-class head, shared by the golden, gradient,
// emulated-CUDA and learning tests (NamedArchitectureTests.cs). The fixture script
// tests/scripts/make_architecture_golden_fixtures.py declares the same networks by name, layer for layer.
// docs/cnn.md ("Named architectures") shows how each is declared.

/// <summary>
/// AlexNet's first stage (Krizhevsky et al. 2012): a large strided kernel, ReLU, local response normalisation with
/// AlexNet's n = 5, β = 0.75, k = 2 (α raised from 10⁻⁴ to 0.1 so that it matters at these small activations), and
/// overlapping 3×3 max pooling with stride 2; then a small classifier.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 81, Initialization = Initialization.HeUniform)]
public partial class AlexNetBlock
{
    [Input(3, 19, 19)] public partial Layer Image { get; }
    [Conv2D(8, 7, Activation.ReLU, Stride = 2, PaddingSize = 2)] public partial Layer Conv1 { get; }   // [8, 9, 9]
    [LocalResponseNorm(5, Alpha = 0.1f, Beta = 0.75f, K = 2f)] public partial Layer Norm1 { get; }
    [MaxPool(3, Stride = 2)] public partial Layer Pool1 { get; }                                      // [8, 4, 4]
    [Dense(16, Activation.ReLU)] public partial Layer Fc { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Output { get; }
}

/// <summary>A VGG block (Simonyan and Zisserman 2014): two 3×3 same-padded convolutions with ReLU, then 2×2 max pooling.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 82, Initialization = Initialization.HeUniform)]
public partial class VggBlock
{
    [Input(3, 12, 12)] public partial Layer Image { get; }
    [Conv2D(8, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Conv1 { get; }        // [8, 12, 12]
    [Conv2D(8, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Conv2 { get; }        // [8, 12, 12]
    [MaxPool(2)] public partial Layer Pool { get; }                                                    // [8, 6, 6]
    [Dense(3, Activation.Softmax)] public partial Layer Output { get; }
}

/// <summary>
/// An Inception module (Szegedy et al. 2014, GoogLeNet's): four parallel branches over the stem's maps — 1×1; 1×1 then
/// 3×3; 1×1 then 5×5; 3×3 max pooling (stride 1, padding 1) then 1×1 — joined along the channels.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 83, Initialization = Initialization.HeUniform)]
public partial class InceptionModule
{
    [Input(3, 8, 8)] public partial Layer Image { get; }
    [Conv2D(8, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Stem { get; }                 // [8, 8, 8]
    [Conv2D(4, 1, Activation.ReLU, Input = nameof(Stem))] public partial Layer Branch1x1 { get; }              // [4, 8, 8]
    [Conv2D(4, 1, Activation.ReLU, Input = nameof(Stem))] public partial Layer Reduce3x3 { get; }
    [Conv2D(6, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Branch3x3 { get; }            // [6, 8, 8]
    [Conv2D(2, 1, Activation.ReLU, Input = nameof(Stem))] public partial Layer Reduce5x5 { get; }
    [Conv2D(3, 5, Activation.ReLU, Padding = Padding.Same)] public partial Layer Branch5x5 { get; }            // [3, 8, 8]
    [MaxPool(3, Stride = 1, PaddingSize = 1, Input = nameof(Stem))] public partial Layer BranchPool { get; }   // [8, 8, 8]
    [Conv2D(3, 1, Activation.ReLU)] public partial Layer PoolProjection { get; }                              // [3, 8, 8]
    [Concat(nameof(Branch1x1), nameof(Branch3x3), nameof(Branch5x5), nameof(PoolProjection))] public partial Layer Mixed { get; } // [16, 8, 8]
    [GlobalAveragePool] public partial Layer Global { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Output { get; }
}

/// <summary>
/// ResNet basic blocks (He et al. 2015): conv–BN–ReLU–conv–BN plus the identity, then ReLU; then a downsampling block
/// whose first convolution has stride 2 and whose shortcut is a 1×1 projection with stride 2 and its own BatchNorm.
/// (The convolutions keep their biases; PyTorch's ResNet drops them before a BatchNorm, which cancels them anyway.)
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 84, Initialization = Initialization.HeUniform)]
public partial class ResNetBlocks
{
    [Input(3, 9, 9)] public partial Layer Image { get; }
    [Conv2D(8, 3, Padding = Padding.Same)] public partial Layer Stem { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer StemNorm { get; }                                         // [8, 9, 9]
    [Conv2D(8, 3, Padding = Padding.Same)] public partial Layer Block1Conv1 { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer Block1Norm1 { get; }
    [Conv2D(8, 3, Padding = Padding.Same)] public partial Layer Block1Conv2 { get; }
    [BatchNorm] public partial Layer Block1Norm2 { get; }
    [Add(nameof(StemNorm), nameof(Block1Norm2), Activation = Activation.ReLU)] public partial Layer Block1 { get; }  // [8, 9, 9]
    [Conv2D(12, 3, Stride = 2, PaddingSize = 1)] public partial Layer Block2Conv1 { get; }                     // [12, 5, 5]
    [BatchNorm(Activation.ReLU)] public partial Layer Block2Norm1 { get; }
    [Conv2D(12, 3, Padding = Padding.Same)] public partial Layer Block2Conv2 { get; }
    [BatchNorm] public partial Layer Block2Norm2 { get; }
    [Conv2D(12, 1, Stride = 2, Input = nameof(Block1))] public partial Layer Projection { get; }                // [12, 5, 5]
    [BatchNorm] public partial Layer ProjectionNorm { get; }
    [Add(nameof(Block2Norm2), nameof(ProjectionNorm), Activation = Activation.ReLU)] public partial Layer Block2 { get; }
    [GlobalAveragePool] public partial Layer Global { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Output { get; }
}

/// <summary>
/// MobileNet depthwise-separable blocks (Howard et al. 2017): a depthwise 3×3 convolution (Groups = channels) with
/// BatchNorm and ReLU, then a pointwise 1×1 convolution with BatchNorm and ReLU; the second block's depthwise
/// convolution has stride 2. (ReLU where MobileNet v1 has ReLU6.)
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Seed = 85, Initialization = Initialization.HeUniform)]
public partial class MobileNetBlocks
{
    [Input(3, 9, 9)] public partial Layer Image { get; }
    [Conv2D(8, 3, Padding = Padding.Same)] public partial Layer Stem { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer StemNorm { get; }                                        // [8, 9, 9]
    [Conv2D(8, 3, Padding = Padding.Same, Groups = 8)] public partial Layer Depthwise1 { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer DepthwiseNorm1 { get; }
    [Conv2D(16, 1)] public partial Layer Pointwise1 { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer PointwiseNorm1 { get; }                                  // [16, 9, 9]
    [Conv2D(16, 3, Stride = 2, PaddingSize = 1, Groups = 16)] public partial Layer Depthwise2 { get; }         // [16, 5, 5]
    [BatchNorm(Activation.ReLU)] public partial Layer DepthwiseNorm2 { get; }
    [Conv2D(24, 1)] public partial Layer Pointwise2 { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer PointwiseNorm2 { get; }                                  // [24, 5, 5]
    [GlobalAveragePool] public partial Layer Global { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Output { get; }
}

/// <summary>
/// A small U-Net (Ronneberger et al. 2015): two encoder stages with max pooling, a bottleneck, transposed-convolution
/// upsampling, and the encoder's maps concatenated into each decoder stage; a logistic mask per pixel.
/// </summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 86, Initialization = Initialization.HeUniform)]
public partial class UNetSmall
{
    [Input(1, 8, 8)] public partial Layer Image { get; }
    [Conv2D(4, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Encoder1 { get; }             // [4, 8, 8]
    [MaxPool(2)] public partial Layer Down1 { get; }
    [Conv2D(6, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Encoder2 { get; }             // [6, 4, 4]
    [MaxPool(2)] public partial Layer Down2 { get; }
    [Conv2D(8, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Bottleneck { get; }           // [8, 2, 2]
    [ConvTranspose2D(6, 2, Activation.ReLU, Stride = 2)] public partial Layer Up2 { get; }                      // [6, 4, 4]
    [Concat(nameof(Encoder2), nameof(Up2))] public partial Layer Skip2 { get; }                                 // [12, 4, 4]
    [Conv2D(6, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Decoder2 { get; }
    [ConvTranspose2D(4, 2, Activation.ReLU, Stride = 2)] public partial Layer Up1 { get; }                      // [4, 8, 8]
    [Concat(nameof(Encoder1), nameof(Up1))] public partial Layer Skip1 { get; }                                 // [8, 8, 8]
    [Conv2D(4, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Decoder1 { get; }
    [Conv2D(1, 1, Activation.Logistic)] public partial Layer Mask { get; }                                     // [1, 8, 8]
}

/// <summary>
/// A small SegNet (Badrinarayanan et al. 2015): the encoder's max poolings keep their switches and the decoder's
/// MaxUnpool layers put each value back where its window's maximum was, each followed by a convolution; BatchNorm in
/// the encoder, a logistic mask per pixel.
/// </summary>
[Network(Loss = Loss.BinaryCrossEntropy, Seed = 87, Initialization = Initialization.HeUniform)]
public partial class SegNetSmall
{
    [Input(1, 8, 8)] public partial Layer Image { get; }
    [Conv2D(4, 3, Padding = Padding.Same)] public partial Layer Encoder1 { get; }
    [BatchNorm(Activation.ReLU)] public partial Layer EncoderNorm1 { get; }                                    // [4, 8, 8]
    [MaxPool(2)] public partial Layer Pool1 { get; }                                                           // [4, 4, 4]
    [Conv2D(6, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Encoder2 { get; }             // [6, 4, 4]
    [MaxPool(2)] public partial Layer Pool2 { get; }                                                           // [6, 2, 2]
    [MaxUnpool(nameof(Pool2), Size = 2, Stride = 2)] public partial Layer Unpool2 { get; }                     // [6, 4, 4]
    [Conv2D(4, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Decoder2 { get; }             // [4, 4, 4]
    [MaxUnpool(nameof(Pool1))] public partial Layer Unpool1 { get; }                                           // [4, 8, 8]
    [Conv2D(4, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer Decoder1 { get; }
    [Conv2D(1, 3, Activation.Logistic, Padding = Padding.Same)] public partial Layer Mask { get; }             // [1, 8, 8]
}

/// <summary>Max-unpooling on 1-D maps ([C, L], PyTorch's MaxUnpool1d) with padded pooling, between 1-D convolutions.</summary>
[Network(Loss = Loss.MeanSquaredError, Seed = 88)]
public partial class Unpool1DNet
{
    [Input(2, 10)] public partial Layer Signal { get; }
    [Conv1D(3, 3, Activation.Tanh, Padding = Padding.Same)] public partial Layer Encode { get; }               // [3, 10]
    [MaxPool(2, PaddingSize = 1)] public partial Layer Pool { get; }                                           // [3, 6]
    [Conv1D(3, 3, Activation.Tanh, Padding = Padding.Same)] public partial Layer Mix { get; }
    [MaxUnpool(nameof(Pool))] public partial Layer Unpool { get; }                                             // [3, 10]
    [Conv1D(1, 3, Padding = Padding.Same)] public partial Layer Decode { get; }                                // [1, 10]
}
