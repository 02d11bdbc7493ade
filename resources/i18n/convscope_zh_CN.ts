<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AnalysisTabs</name>
    <message>
        <source>Folder for the TensorBoard event files</source>
        <translation>存放 TensorBoard 事件文件的文件夹</translation>
    </message>
    <message>
        <source>Export the run</source>
        <translation>导出训练结果</translation>
    </message>
    <message>
        <source>Test accuracy at chance: BatchNorm is still catching up</source>
        <translation>测试准确率停在随机水平：批量规范化还没跟上</translation>
    </message>
    <message>
        <source>Overfitting: the network learns its training images by heart</source>
        <translation>过拟合：网络把训练图像背了下来</translation>
    </message>
    <message>
        <source>Training accuracy is {train} % but the test accuracy sits at chance ({test} %) after only {steps} steps. Evaluation uses BatchNorm&apos;s running averages of each layer&apos;s mean and variance, and with few steps they still describe the network of the first batches, not the weights now. It is not overfitting: train for more steps (more epochs, a smaller batch or more images); the test accuracy jumps once the averages catch up.</source>
        <translation>训练准确率为 {train}%，但仅仅 {steps} 步之后，测试准确率停在随机水平（{test}%）。评估时使用批量规范化对每层均值和方差的移动平均，步数很少时，它们描述的仍是最初几个批量时的网络，而不是现在的权重。这不是过拟合：多训练一些步数（更多轮、更小的批量或更多图像）；移动平均跟上之后，测试准确率会跳上去。</translation>
    </message>
    <message>
        <source>Training accuracy {train} %, test accuracy {test} %, and the test loss rises while the training loss still falls. What helps: data augmentation, weight decay, dropout, more training images — or stopping earlier, at the epoch chosen on validation images held out from training, not on the test set.</source>
        <translation>训练准确率 {train}%，测试准确率 {test}%，测试损失在上升而训练损失仍在下降。有帮助的做法：数据增广、权重衰减、暂退法、更多训练图像——或者提前停止（early stopping），但要依据从训练图像中留出的验证集来选择轮数，而不是测试集。</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Evaluation</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>&amp;Export the run</source>
        <translation>导出训练结果(&amp;E)</translation>
    </message>
    <message>
        <source>the opened run {name}</source>
        <translation>打开的训练结果 {name}</translation>
    </message>
    <message>
        <source>the run just trained</source>
        <translation>刚训练完的结果</translation>
    </message>
    <message>
        <source>the opened run</source>
        <translation>打开的训练结果</translation>
    </message>
    <message>
        <source>your settings</source>
        <translation>你的设置</translation>
    </message>
    <message>
        <source>a run started; measure again when it has finished.</source>
        <translation>训练已开始；请在训练结束后再测量。</translation>
    </message>
    <message>
        <source>Measure waits until the run ends: it would share the processor with the training and time both wrongly.</source>
        <translation>测量要等训练结束：它会与训练争用处理器，两者的计时都会失真。</translation>
    </message>
    <message>
        <source>No summary of this network: {error}</source>
        <translation>无法汇总这个网络：{error}</translation>
    </message>
    <message>
        <source>no result</source>
        <translation>没有结果</translation>
    </message>
    <message>
        <source>Nothing to export yet</source>
        <translation>还没有可导出的内容</translation>
    </message>
    <message>
        <source>Train a run with &apos;Save the run&apos; ticked, or open a saved run (File → Open run…), then export it.</source>
        <translation>勾选“保存训练结果”后训练一次，或打开一个保存的训练结果（文件 → 打开训练结果…），然后再导出。</translation>
    </message>
    <message>
        <source>could not write {path}</source>
        <translation>无法写入 {path}</translation>
    </message>
    <message>
        <source>Writing {name}…</source>
        <translation>正在写入 {name}…</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <source>Exported</source>
        <translation>已导出</translation>
    </message>
    <message>
        <source>Wrote {path} ({fmt}).</source>
        <translation>已写入 {path}（{fmt}）。</translation>
    </message>
</context>
<context>
    <name>AugmentBox</name>
    <message>
        <source>px</source>
        <translation>像素</translation>
    </message>
    <message>
        <source>Its {param}: {range}.</source>
        <translation>它的{param}：{range}。</translation>
    </message>
    <message>
        <source>p = </source>
        <translation>p = </translation>
    </message>
    <message>
        <source>{low} to {high}{unit}, default {default}{unit}</source>
        <translation>{low} 到 {high}{unit}，默认 {default}{unit}</translation>
    </message>
</context>
<context>
    <name>AugmentPreviewView</name>
    <message>
        <source>Augmentation</source>
        <translation>数据增广</translation>
    </message>
    <message>
        <source>Press Train to see what the network receives: a few images of the current training batch after augmentation and normalisation, each beside its original. Tick augmentations under &apos;Augment the training images&apos; to change them.</source>
        <translation>按“训练”即可看到网络收到的是什么：当前训练批量中的几张图像经过数据增广和标准化之后的样子，每张都在它的原图旁边。在“训练图像的数据增广”下勾选数据增广即可改变它们。</translation>
    </message>
    <message>
        <source>The current training batch: each original (left) and what the network receives (right).</source>
        <translation>当前的训练批量：每张原图（左）和网络收到的图像（右）。</translation>
    </message>
    <message>
        <source>Fixed images: the same training images every time, with a fresh draw of the augmentations beside each.</source>
        <translation>固定图像：每次都是同样几张训练图像，每张旁边是重新随机抽取的数据增广结果。</translation>
    </message>
    <message>
        <source>augmentations {augment}</source>
        <translation>数据增广 {augment}</translation>
    </message>
    <message>
        <source>no augmentation: the network receives the images as they are (tick some under &apos;Augment the training images&apos;)</source>
        <translation>没有数据增广：网络收到的就是原样的图像（可在“训练图像的数据增广”下勾选一些）</translation>
    </message>
    <message>
        <source>Epoch {epoch}, step {step} — {what}. Shown after normalisation, de-normalised for display.</source>
        <translation>第 {epoch} 轮，第 {step} 步——{what}。显示的是标准化之后的图像，为便于查看已还原标准化。</translation>
    </message>
    <message>
        <source>The current training batch: each original (left) and what the network receives (right). Labels: {labels}.</source>
        <translation>当前的训练批量：每张原图（左）和网络收到的图像（右）。标签：{labels}。</translation>
    </message>
    <message>
        <source>Fixed images ({labels}): the same training images every time, with a fresh draw of the augmentations beside each.</source>
        <translation>固定图像（{labels}）：每次都是同样几张训练图像，每张旁边是重新随机抽取的数据增广结果。</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
</context>
<context>
    <name>AugmentTexts</name>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>{kind}: {text}</source>
        <translation>{kind}：{text}</translation>
    </message>
    <message>
        <source>{label} ({name}): {does}. Applied to the training batches only, never to the test images. {where}.</source>
        <translation>{label}（{name}）：{does}。只用于训练批量，从不用于测试图像。{where}。</translation>
    </message>
    <message>
        <source>{name}: {reason}</source>
        <translation>{name}：{reason}</translation>
    </message>
    <message>
        <source>augmentation that breaks labels on {dataset}: {reasons}. The network learns from wrong labels; leave {names} out for these images.</source>
        <translation>在 {dataset} 上会破坏标签的数据增广：{reasons}。网络会从错误的标签中学习；对这些图像请不要使用 {names}。</translation>
    </message>
    <message>
        <source> and </source>
        <translation> 和 </translation>
    </message>
    <message>
        <source> Training goes on.</source>
        <translation>训练继续进行。</translation>
    </message>
</context>
<context>
    <name>Banner</name>
    <message>
        <source>Hide this message</source>
        <translation>隐藏此消息</translation>
    </message>
</context>
<context>
    <name>ConfigPanel</name>
    <message>
        <source>constant</source>
        <translation>恒定</translation>
    </message>
    <message>
        <source>step (÷10 at 50 % and 75 %)</source>
        <translation>阶梯（在训练进度 50% 和 75% 处 ÷10）</translation>
    </message>
    <message>
        <source>cosine decay</source>
        <translation>余弦衰减</translation>
    </message>
    <message>
        <source>one-cycle (warm up, then decay)</source>
        <translation>单周期（先预热，再衰减）</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>sigmoid (1998)</source>
        <translation>sigmoid（1998）</translation>
    </message>
    <message>
        <source>native ({side}×{side} px)</source>
        <translation>原始尺寸（{side}×{side} 像素）</translation>
    </message>
    <message>
        <source>d2l resize ({d2l}×{d2l} px)</source>
        <translation>d2l 缩放（{d2l}×{d2l} 像素）</translation>
    </message>
    <message>
        <source>network default</source>
        <translation>网络默认</translation>
    </message>
    <message>
        <source>width multiplier</source>
        <translation>宽度倍数</translation>
    </message>
    <message>
        <source>BatchNorm</source>
        <translation>批量规范化</translation>
    </message>
    <message>
        <source>dropout</source>
        <translation>暂退法</translation>
    </message>
    <message>
        <source>skip connections</source>
        <translation>残差连接</translation>
    </message>
    <message>
        <source>1×n + n×1 convolutions</source>
        <translation>1×n + n×1 卷积</translation>
    </message>
    <message>
        <source>activation choice</source>
        <translation>激活函数选择</translation>
    </message>
    <message>
        <source>Start from a preset</source>
        <translation>从预设开始</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>网络</translation>
    </message>
    <message>
        <source>on</source>
        <translation>开</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Input size</source>
        <translation>输入尺寸</translation>
    </message>
    <message>
        <source>Width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>Dropout</source>
        <translation>暂退法（dropout）</translation>
    </message>
    <message>
        <source>Skip connections</source>
        <translation>残差连接</translation>
    </message>
    <message>
        <source>Activation</source>
        <translation>激活函数</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>default folder</source>
        <translation>默认文件夹</translation>
    </message>
    <message>
        <source>Choose a data folder</source>
        <translation>选择数据文件夹</translation>
    </message>
    <message>
        <source>all training images</source>
        <translation>全部训练图像</translation>
    </message>
    <message>
        <source> images</source>
        <translation> 张图像</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>数据文件夹</translation>
    </message>
    <message>
        <source>Train on</source>
        <translation>训练图像数</translation>
    </message>
    <message>
        <source>Augment the training images</source>
        <translation>训练图像的数据增广</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Momentum</source>
        <translation>动量</translation>
    </message>
    <message>
        <source>Save the run (weights and metrics)</source>
        <translation>保存训练结果（权重和指标）</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>轮数（epoch）</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批量大小</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Weight decay</source>
        <translation>权重衰减</translation>
    </message>
    <message>
        <source>LR schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <source>Loading PyTorch and the model zoo…</source>
        <translation>正在加载 PyTorch 和模型库…</translation>
    </message>
    <message>
        <source>Custom settings</source>
        <translation>自定义设置</translation>
    </message>
    <message>
        <source>No CUDA GPU found on this computer.</source>
        <translation>这台计算机上没有找到 CUDA GPU。</translation>
    </message>
    <message>
        <source>No Apple GPU (MPS) on this computer: it needs a Mac with Apple silicon.</source>
        <translation>这台计算机上没有 Apple GPU（MPS）：它需要搭载 Apple 芯片的 Mac。</translation>
    </message>
    <message>
        <source>resize to {side}×{side} px</source>
        <translation>缩放到 {side}×{side} 像素</translation>
    </message>
    <message>
        <source>Lessons: {title}</source>
        <translation>课程：{title}</translation>
    </message>
    <message>
        <source>Your own settings. Pick a preset above to load an experiment from the notes.</source>
        <translation>你自己的设置。在上方选择一个预设，即可载入课程笔记中的实验。</translation>
    </message>
    <message>
        <source>Note: {note}</source>
        <translation>注意：{note}</translation>
    </message>
    <message>
        <source>resize to 32×32 px</source>
        <translation>缩放到 32×32 像素</translation>
    </message>
    <message>
        <source>this network</source>
        <translation>这个网络</translation>
    </message>
    <message>
        <source>Data folder (torchvision layout)</source>
        <translation>数据文件夹（torchvision 目录结构）</translation>
    </message>
</context>
<context>
    <name>ConfusionSteps</name>
    <message>
        <source>The confusion matrix of each epoch was not recorded for this run (a run of an older version): press Live, then Evaluate.</source>
        <translation>这次训练没有记录每一轮的混淆矩阵（由旧版本训练）：请按“实时”，再点击“评估”。</translation>
    </message>
    <message>
        <source>Step {step}: no epoch has been evaluated in this run yet.</source>
        <translation>第 {step} 步：这次训练还没有评估过任何一轮。</translation>
    </message>
    <message>
        <source>Epoch {epoch}, evaluated at step {at}</source>
        <translation>第 {epoch} 轮，在第 {at} 步评估</translation>
    </message>
    <message>
        <source>Epoch {epoch}, evaluated at step {at} (the evaluation nearest to step {step})</source>
        <translation>第 {epoch} 轮，在第 {at} 步评估（离第 {step} 步最近的一次评估）</translation>
    </message>
    <message>
        <source>: test accuracy {acc:.1f} % on {n} images. Rows: the true class; columns: what the network said.</source>
        <translation>：在 {n} 张图像上的测试准确率为 {acc:.1f}%。行：真实类别；列：网络的判断。</translation>
    </message>
</context>
<context>
    <name>ConfusionView</name>
    <message>
        <source>Train a network or open a run, then click Evaluate: every test image goes through the network once.</source>
        <translation>先训练一个网络或打开一个训练结果，再点击“评估”：每张测试图像都会通过网络一次。</translation>
    </message>
    <message>
        <source>Evaluate on the test set</source>
        <translation>在测试集上评估</translation>
    </message>
    <message>
        <source>true class</source>
        <translation>真实类别</translation>
    </message>
    <message>
        <source>predicted class</source>
        <translation>预测类别</translation>
    </message>
    <message>
        <source>accuracy of the class (%)</source>
        <translation>该类别的准确率（%）</translation>
    </message>
    <message>
        <source>The confusion matrix appears here once the network is evaluated: how often each class (a row) was read as each class (a column).</source>
        <translation>评估网络后，混淆矩阵会显示在这里：每个类别（一行）的图像被认成各个类别（一列）的次数。</translation>
    </message>
    <message>
        <source>Click a cell of the matrix to see its images.</source>
        <translation>点击矩阵中的一格，查看其中的图像。</translation>
    </message>
    <message>
        <source>Evaluate {what}: every test image goes through the network once.</source>
        <translation>评估{what}：每张测试图像都会通过网络一次。</translation>
    </message>
    <message>
        <source>the network</source>
        <translation>网络</translation>
    </message>
    <message>
        <source>Evaluating on the test set…</source>
        <translation>正在测试集上评估…</translation>
    </message>
    <message>
        <source>Could not evaluate: {message}</source>
        <translation>无法评估：{message}</translation>
    </message>
    <message>
        <source>{what}: test accuracy {acc:.1f} % on {n} images. Rows: the true class; columns: what the network said. Off the diagonal: its mistakes.</source>
        <translation>{what}：在 {n} 张图像上的测试准确率为 {acc:.1f}%。行：真实类别；列：网络的判断。对角线以外：它的错误。</translation>
    </message>
    <message>
        <source>The network</source>
        <translation>网络</translation>
    </message>
    <message>
        <source>{n} test images of {cls} read right, the most confident first.</source>
        <translation>{n} 张“{cls}”测试图像被认对，最有把握的排在前面。</translation>
    </message>
    <message>
        <source>{n} test images of {cls} read as {pred}, the most confident first.</source>
        <translation>{n} 张“{cls}”测试图像被认成“{pred}”，最有把握的排在前面。</translation>
    </message>
    <message>
        <source>(the first {k} shown)</source>
        <translation>（只显示前 {k} 张）</translation>
    </message>
    <message>
        <source>Click one to look inside the network with it.</source>
        <translation>点击其中一张，用它观察网络内部。</translation>
    </message>
    <message>
        <source>{n} test images of {cls} read as {pred}. A recorded epoch keeps only its counts: press Live, then Evaluate, to see the images.</source>
        <translation>{n} 张“{cls}”测试图像被认成“{pred}”。记录下来的一轮只保存计数：按“实时”，再点击“评估”，即可查看这些图像。</translation>
    </message>
    <message>
        <source>test image #{i}: {tops}</source>
        <translation>测试图像 #{i}：{tops}</translation>
    </message>
    <message>
        <source>test image #{i}</source>
        <translation>测试图像 #{i}</translation>
    </message>
</context>
<context>
    <name>CoreTexts</name>
    <message>
        <source>MNIST sample (offline, 5,000 digits)</source>
        <translation>MNIST 样本（离线，5,000 个数字）</translation>
    </message>
    <message>
        <source>5,000 real MNIST digits shipped with the app: trains in a minute, no download.</source>
        <translation>随应用附带的 5,000 个真实 MNIST 手写数字：一分钟即可训练完，无需下载。</translation>
    </message>
    <message>
        <source>Fashion-MNIST sample (offline, 5,000 clothes)</source>
        <translation>Fashion-MNIST 样本（离线，5,000 件服饰）</translation>
    </message>
    <message>
        <source>5,000 real Fashion-MNIST training images (500 per class) shipped with the app: no download.</source>
        <translation>随应用附带的 5,000 张真实 Fashion-MNIST 训练图像（每类 500 张）：无需下载。</translation>
    </message>
    <message>
        <source>CIFAR-10 sample (offline, 4,000 photos)</source>
        <translation>CIFAR-10 样本（离线，4,000 张照片）</translation>
    </message>
    <message>
        <source>The first 4,000 real CIFAR-10 training photos shipped with the app: no download.</source>
        <translation>随应用附带的前 4,000 张真实 CIFAR-10 训练照片：无需下载。</translation>
    </message>
    <message>
        <source>MNIST (70,000 digits)</source>
        <translation>MNIST（70,000 个数字）</translation>
    </message>
    <message>
        <source>Handwritten digits 0–9, 28×28 grey.</source>
        <translation>手写数字 0–9，28×28 灰度图像。</translation>
    </message>
    <message>
        <source>Fashion-MNIST (70,000 clothes)</source>
        <translation>Fashion-MNIST（70,000 件服饰）</translation>
    </message>
    <message>
        <source>Clothing items, 28×28 grey: harder than digits, same format.</source>
        <translation>服饰图像，28×28 灰度：格式与数字相同，但比数字更难。</translation>
    </message>
    <message>
        <source>CIFAR-10 (60,000 colour images)</source>
        <translation>CIFAR-10（60,000 张彩色图像）</translation>
    </message>
    <message>
        <source>Small colour photos of 10 classes, 32×32 RGB.</source>
        <translation>10 个类别的小幅彩色照片，32×32 RGB。</translation>
    </message>
    <message>
        <source>Folder of images…</source>
        <translation>图像文件夹…</translation>
    </message>
    <message>
        <source>Your own images: a folder with one sub-folder per class (DIR/cats/…, DIR/dogs/…), PNG, JPEG, BMP, GIF, WebP or TIFF of any size, resized to 32×32.</source>
        <translation>你自己的图像：一个文件夹，每个类别一个子文件夹（DIR/cats/…、DIR/dogs/…），任意尺寸的 PNG、JPEG、BMP、GIF、WebP 或 TIFF，缩放到 32×32。</translation>
    </message>
    <message>
        <source>Two conv + pool stages and three fully connected layers: the first CNN that read digits.</source>
        <translation>两个“卷积层 + 汇聚层”阶段和三个全连接层：第一个能读懂手写数字的卷积神经网络。</translation>
    </message>
    <message>
        <source>LeNet (CIFAR-10 notes)</source>
        <translation>LeNet（CIFAR-10 笔记版）</translation>
    </message>
    <message>
        <source>LeNet-sized net for 32×32 colour images: conv 16, conv 32, fc 32; ReLU only in the head.</source>
        <translation>面向 32×32 彩色图像的 LeNet 规模网络：卷积 16、卷积 32、全连接 32；只有输出头使用 ReLU。</translation>
    </message>
    <message>
        <source>Five conv and three big dense layers with ReLU and dropout: LeNet scaled up for ImageNet.</source>
        <translation>五个卷积层和三个大的全连接层，使用 ReLU 和暂退法：为 ImageNet 放大的 LeNet。</translation>
    </message>
    <message>
        <source>Five blocks of stacked 3×3 convolutions, each ending in a pool: depth from one pattern.</source>
        <translation>五个由 3×3 卷积堆叠而成的块，每块以汇聚层结束：用一种重复模式获得深度。</translation>
    </message>
    <message>
        <source>Network in Network</source>
        <translation>网络中的网络（NiN）</translation>
    </message>
    <message>
        <source>Convolutions followed by 1×1 &apos;per-pixel MLPs&apos;; global average pooling, no dense layers.</source>
        <translation>卷积层之后接 1×1 的“逐像素多层感知机”；全局平均汇聚层，没有全连接层。</translation>
    </message>
    <message>
        <source>Nine Inception blocks that run 1×1, 3×3, 5×5 and pooling branches side by side.</source>
        <translation>九个 Inception 块，每块并行运行 1×1、3×3、5×5 卷积和汇聚分支。</translation>
    </message>
    <message>
        <source>Inception net (MNIST notes)</source>
        <translation>Inception 网络（MNIST 笔记版）</translation>
    </message>
    <message>
        <source>Two 5×5 convs, each followed by an Inception block (1×1, 5×5, 3×3 and pool branches).</source>
        <translation>两个 5×5 卷积层，每个后面接一个 Inception 块（1×1、5×5、3×3 和汇聚分支）。</translation>
    </message>
    <message>
        <source>Four stages of residual blocks that add their input back: depth that still trains.</source>
        <translation>四个阶段的残差块，把输入加回输出：网络很深仍然可以训练。</translation>
    </message>
    <message>
        <source>ResNet (CIFAR-10 notes)</source>
        <translation>ResNet（CIFAR-10 笔记版）</translation>
    </message>
    <message>
        <source>A 16-channel stem and three residual blocks (32, 64, 128 maps), each halving the size.</source>
        <translation>一个 16 通道的起始层（stem）和三个残差块（32、64、128 个通道），每块把高和宽减半。</translation>
    </message>
    <message>
        <source>LeNet-5 · MNIST sample (offline)</source>
        <translation>LeNet-5 · MNIST 样本（离线）</translation>
    </message>
    <message>
        <source>The classic first CNN on 4,500 real handwritten digits that ship with the app: no download, about a minute on a laptop CPU, ~97 % test accuracy. Start here.</source>
        <translation>经典的第一个卷积神经网络，在随应用附带的 4,500 个真实手写数字上训练：无需下载，在笔记本 CPU 上约一分钟，测试准确率约 97%。从这里开始。</translation>
    </message>
    <message>
        <source>LeNet-5 · Fashion-MNIST</source>
        <translation>LeNet-5 · Fashion-MNIST</translation>
    </message>
    <message>
        <source>The same LeNet on clothes instead of digits: same 28×28 grey format, much harder classes (shirts vs T-shirts vs pullovers). Expect about 85 % on the full set. Without Fashion-MNIST on this computer it trains on the offline Fashion-MNIST sample (5,000 real images) and says so.</source>
        <translation>同样的 LeNet，把数字换成服饰：同样是 28×28 灰度格式，但类别难得多（衬衫、T恤和套衫很像）。在完整数据集上约 85%。如果这台计算机上没有 Fashion-MNIST，它会改用离线 Fashion-MNIST 样本（5,000 张真实图像）训练，并给出提示。</translation>
    </message>
    <message>
        <source>Compact NiN · Fashion-MNIST (Adam 1e-4, batch 32, 12 epochs)</source>
        <translation>紧凑 NiN · Fashion-MNIST（Adam 1e-4，批量 32，12 轮）</translation>
    </message>
    <message>
        <source>The course notes&apos; Network in Network: 5×5 convs each followed by two 1×1 convs, and a global average pool instead of dense layers. As in the notes, the 28-px images are resized to 32 px (the last feature maps are 8×8). Slow on a CPU (~150 img/s: 12 epochs take over an hour) — try width 0.5 or a subset. Without Fashion-MNIST on this computer it trains on the offline Fashion-MNIST sample (5,000 real images) and says so.</source>
        <translation>课程笔记中的 NiN：每个 5×5 卷积层后接两个 1×1 卷积层，用全局平均汇聚层代替全连接层。与笔记一样，28 像素的图像被缩放到 32 像素（最后的特征图是 8×8）。在 CPU 上很慢（约 150 张/秒：12 轮要一个多小时）——可以试试宽度 0.5 或训练子集。如果这台计算机上没有 Fashion-MNIST，它会改用离线 Fashion-MNIST 样本（5,000 张真实图像）训练，并给出提示。</translation>
    </message>
    <message>
        <source>d2l NiN · Fashion-MNIST 224 px (SGD lr 0.1, batch 128)</source>
        <translation>d2l NiN · Fashion-MNIST 224 像素（SGD 学习率 0.1，批量 128）</translation>
    </message>
    <message>
        <source>The book&apos;s NiN (d2l 8.3) exactly as printed: images resized to 224×224, plain SGD (no momentum), lr 0.1, batch 128, 10 epochs. Very slow without a GPU — use it to see the book&apos;s setting, or shorten it with a subset. Without Fashion-MNIST on this computer it trains on the offline Fashion-MNIST sample (5,000 real images) and says so.</source>
        <translation>完全按书中（《动手学深度学习》7.3 节）设置的 NiN：图像缩放到 224×224，普通 SGD（无动量），学习率 0.1，批量 128，10 轮。没有 GPU 时非常慢——用它来看书中的设置，或者用训练子集缩短时间。如果这台计算机上没有 Fashion-MNIST，它会改用离线 Fashion-MNIST 样本（5,000 张真实图像）训练，并给出提示。</translation>
    </message>
    <message>
        <source>d2l NiN · batch 256 — gets stuck at chance</source>
        <translation>d2l NiN · 批量 256——卡在随机猜测水平</translation>
    </message>
    <message>
        <source>Inception net · MNIST (batch 64)</source>
        <translation>Inception 网络 · MNIST（批量 64）</translation>
    </message>
    <message>
        <source>Two 5×5 convs, each followed by an Inception block whose 1×1, 5×5, 3×3 and pooling branches run side by side. SGD lr 0.01 with momentum 0.5, batch 64, 10 epochs; the notes report 98.98 % test accuracy. Without the full MNIST on this computer it trains on the offline MNIST sample and says so.</source>
        <translation>两个 5×5 卷积层，每个后接一个 Inception 块，块中 1×1、5×5、3×3 卷积和汇聚分支并行运行。SGD 学习率 0.01，动量 0.5，批量 64，10 轮；笔记中的测试准确率为 98.98%。如果这台计算机上没有完整的 MNIST，它会改用离线 MNIST 样本训练，并给出提示。</translation>
    </message>
    <message>
        <source>LeNet-5 · CIFAR-10 (Adam 1e-3, batch 128)</source>
        <translation>LeNet-5 · CIFAR-10（Adam 1e-3，批量 128）</translation>
    </message>
    <message>
        <source>A LeNet-sized network on small colour photos (planes, cats, ships…). Much harder than digits: expect about 60 % test accuracy, and the test curve parting from the training curve (overfitting). Without CIFAR-10 on this computer it trains on the offline CIFAR-10 sample (4,000 real photos) and says so.</source>
        <translation>LeNet 规模的网络，用于小幅彩色照片（飞机、猫、船…）。比数字难得多：测试准确率约 60%，而且测试曲线会与训练曲线分开（过拟合）。如果这台计算机上没有 CIFAR-10，它会改用离线 CIFAR-10 样本（4,000 张真实照片）训练，并给出提示。</translation>
    </message>
    <message>
        <source>ResNet (ResBlk) · CIFAR-10 with BatchNorm</source>
        <translation>ResNet（ResBlk）· CIFAR-10，使用批量规范化</translation>
    </message>
    <message>
        <source>Residual blocks that add their input back (the notes&apos; ResBlk network), with BatchNorm after each conv. Run it, then the preset without BatchNorm, and compare how fast the loss falls. Falls back to the offline CIFAR-10 sample when CIFAR-10 is not here.</source>
        <translation>把输入加回输出的残差块（笔记中的 ResBlk 网络），每个卷积层后接批量规范化。先运行它，再运行不带批量规范化的预设，比较损失下降的速度。没有 CIFAR-10 时改用离线 CIFAR-10 样本。</translation>
    </message>
    <message>
        <source>ResNet (ResBlk) · CIFAR-10 without BatchNorm</source>
        <translation>ResNet（ResBlk）· CIFAR-10，不使用批量规范化</translation>
    </message>
    <message>
        <source>The same network without BatchNorm: each layer&apos;s input drifts as the layers before it learn, so training is slower and less stable. Compare with the BatchNorm preset. Falls back to the offline CIFAR-10 sample when CIFAR-10 is not here.</source>
        <translation>同样的网络，但没有批量规范化：前面的层在学习时，每一层的输入分布都在漂移，所以训练更慢、更不稳定。与批量规范化预设对比。没有 CIFAR-10 时改用离线 CIFAR-10 样本。</translation>
    </message>
    <message>
        <source>The same run at batch 256. In the notes the loss stayed at 2.30 = ln 10 with 10 % accuracy: the network only guesses. Why it sticks: no BatchNorm and a ReLU in front of the class scores — once a step pushes a class&apos;s score map below 0 everywhere, that class scores 0 on every image and gets no gradient, so it never recovers. A larger batch does not take larger steps; whether a run sticks depends on its initialisation and first batches, so it may not stick every time. Watch for the yellow warning after an epoch; what unsticks it: a smaller learning rate, Adam, or BatchNorm. Without Fashion-MNIST on this computer it trains on the offline Fashion-MNIST sample (5,000 real images) and says so.</source>
        <translation>同样的训练，批量 256。笔记中损失一直停在 2.30 = ln 10，准确率 10%：网络只是在猜。为什么会卡住：没有批量规范化，而且类别得分前面有一个 ReLU——一旦某一步把某个类别的得分图处处推到 0 以下，这个类别对每张图像的得分都是 0，也得不到梯度，于是再也恢复不了。更大的批量并不会迈出更大的步子；一次训练会不会卡住取决于它的初始化和最初的几个批量，所以并不是每次都会卡住。留意一轮之后出现的黄色警告；让它摆脱停滞的办法：更小的学习率、Adam 或批量规范化。如果这台计算机上没有 Fashion-MNIST，它会改用离线 Fashion-MNIST 样本（5,000 张真实图像）训练，并给出提示。</translation>
    </message>
    <message>
        <source>Szegedy et al., 2014; small MNIST form of the course notes</source>
        <translation>Szegedy et al., 2014；课程笔记中的 MNIST 小型版本</translation>
    </message>
    <message>
        <source>LeCun et al., 1998; small CIFAR-10 form of the course notes</source>
        <translation>LeCun et al., 1998；课程笔记中的 CIFAR-10 小型版本</translation>
    </message>
    <message>
        <source>He, Zhang, Ren &amp; Sun, 2015; small CIFAR-10 form of the course notes</source>
        <translation>He, Zhang, Ren &amp; Sun, 2015；课程笔记中的 CIFAR-10 小型版本</translation>
    </message>
    <message>
        <source>Each step overshoots the minimum further than the last: the loss explodes within a few steps and the run stops with a red &apos;diverged&apos; message. Then lower the learning rate step by step (1, 0.1, 0.01) and watch the loss curve change.</source>
        <translation>每一步都比上一步更远地越过最小值：损失在几步之内爆炸，训练以红色的“发散”消息停止。然后逐步降低学习率（1、0.1、0.01），观察损失曲线的变化。</translation>
    </message>
    <message>
        <source>CIFAR-10 LeNet without augmentation (offline sample, 40 epochs)</source>
        <translation>CIFAR-10 LeNet 不用数据增广（离线样本，40 轮）</translation>
    </message>
    <message>
        <source>LeNet-CIFAR on the 3,604 training photos of the offline CIFAR-10 sample, Adam 1e-3, batch 128, 40 epochs, no augmentation. The network soon knows its training photos by heart: training accuracy keeps climbing while test accuracy stalls and falls back, a wide gap between the two curves. Then run the preset with augmentation and compare.</source>
        <translation>在离线 CIFAR-10 样本的 3,604 张训练照片上训练 LeNet-CIFAR：Adam 1e-3，批量 128，40 轮，不用数据增广。网络很快就把它的训练照片背了下来：训练准确率一直上升，而测试准确率停滞不前、又回落下来，两条曲线之间的差距很大。然后运行使用数据增广的预设，比较一下。</translation>
    </message>
    <message>
        <source>CIFAR-10 LeNet with augmentation (flip + pad-and-crop)</source>
        <translation>CIFAR-10 LeNet 使用数据增广（翻转 + 填充后裁剪）</translation>
    </message>
    <message>
        <source>The same run with the course notes&apos; augmentation of the training batches: a random horizontal flip and a 4-pixel pad-and-crop, so the network never sees exactly the same photo twice. Training accuracy rises more slowly, test accuracy ends higher: the gap between the curves narrows. Watch the Augmentation tab for what the network receives.</source>
        <translation>同样的训练，但对训练批量使用课程笔记中的数据增广：随机水平翻转，以及 4 像素的填充后裁剪，这样网络永远不会两次看到完全相同的照片。训练准确率上升得更慢，测试准确率最终更高：两条曲线之间的差距缩小了。在“数据增广”标签页中可以看到网络收到的是什么。</translation>
    </message>
    <message>
        <source>Horizontal flip</source>
        <translation>水平翻转</translation>
    </message>
    <message>
        <source>Vertical flip</source>
        <translation>垂直翻转</translation>
    </message>
    <message>
        <source>Rotate</source>
        <translation>旋转</translation>
    </message>
    <message>
        <source>Rotate by 90°</source>
        <translation>旋转 90°</translation>
    </message>
    <message>
        <source>Pad and crop</source>
        <translation>填充后裁剪</translation>
    </message>
    <message>
        <source>Random shift</source>
        <translation>随机平移</translation>
    </message>
    <message>
        <source>probability</source>
        <translation>概率</translation>
    </message>
    <message>
        <source>largest angle</source>
        <translation>最大角度</translation>
    </message>
    <message>
        <source>padding</source>
        <translation>填充</translation>
    </message>
    <message>
        <source>largest shift</source>
        <translation>最大平移</translation>
    </message>
    <message>
        <source>mirrors an image left to right, with this probability</source>
        <translation>以这个概率把图像左右镜像翻转</translation>
    </message>
    <message>
        <source>turns an image upside down, with this probability</source>
        <translation>以这个概率把图像上下颠倒</translation>
    </message>
    <message>
        <source>turns each image by a random angle of up to ± this many degrees (corners filled with black)</source>
        <translation>把每张图像旋转一个随机角度，最多 ± 这么多度（角落用黑色填充）</translation>
    </message>
    <message>
        <source>with this probability turns an image by 90°, 180° or 270° (one of the three at random)</source>
        <translation>以这个概率把图像旋转 90°、180° 或 270°（三者随机取一）</translation>
    </message>
    <message>
        <source>pads each image with this many black pixels on every side, then crops a random window of the original size (the course notes&apos; crop: the image moves by up to this many pixels)</source>
        <translation>在每张图像的四边各填充这么多个黑色像素，再随机裁剪出一个原始大小的窗口（课程笔记中的裁剪：图像最多移动这么多像素）</translation>
    </message>
    <message>
        <source>moves each image by up to this many pixels in x and y, filling the edge with black (the old --shift N)</source>
        <translation>把每张图像在 x 和 y 方向上最多移动这么多像素，边缘用黑色填充（即以前的随机平移设置）</translation>
    </message>
    <message>
        <source>breaks digits: a mirrored 2, 3, 4, 5 or 7 is no digit at all</source>
        <translation>破坏数字：镜像后的 2、3、4、5 或 7 根本不是数字</translation>
    </message>
    <message>
        <source>safe: a mirrored shirt, shoe or bag is still one</source>
        <translation>安全：镜像后的衬衫、鞋或包仍然是衬衫、鞋或包</translation>
    </message>
    <message>
        <source>safe, and the classic one for CIFAR-10: a mirrored cat is still a cat</source>
        <translation>安全，而且是 CIFAR-10 的经典数据增广：镜像后的猫仍然是猫</translation>
    </message>
    <message>
        <source>breaks labels: an upside-down 6 is a 9 and a 9 a 6 (and 2, 4, 7 become no digit)</source>
        <translation>破坏标签：上下颠倒的 6 是 9，9 是 6（2、4、7 则不再是数字）</translation>
    </message>
    <message>
        <source>labels stay right (an upside-down shirt, dress, bag or pair of trousers is still one), but shoes and boots upside down never occur in the test set</source>
        <translation>标签仍然正确（上下颠倒的衬衫、连衣裙、包或裤子仍属于原来的类别），但测试集中从不会出现上下颠倒的鞋和靴子</translation>
    </message>
    <message>
        <source>labels stay right, but upside-down planes, cars and ships are rare in the test set: it usually costs accuracy</source>
        <translation>标签仍然正确，但测试集中很少有上下颠倒的飞机、汽车和船：它通常会降低准确率</translation>
    </message>
    <message>
        <source>safe for small angles (±15°); beyond ±90° a 6 turns into a 9</source>
        <translation>小角度（±15°）时安全；超过 ±90° 时 6 会变成 9</translation>
    </message>
    <message>
        <source>safe for small angles</source>
        <translation>小角度时安全</translation>
    </message>
    <message>
        <source>safe for small angles (±15°)</source>
        <translation>小角度（±15°）时安全</translation>
    </message>
    <message>
        <source>breaks labels: turned by 180° a 6 is a 9 and a 9 a 6; turned by 90° digits lie on their side</source>
        <translation>破坏标签：旋转 180° 后 6 是 9，9 是 6；旋转 90° 后数字横躺着</translation>
    </message>
    <message>
        <source>labels stay right but the test set has no sideways or upside-down clothes</source>
        <translation>标签仍然正确，但测试集中没有横放或上下颠倒的服饰</translation>
    </message>
    <message>
        <source>labels stay right, but sideways photos do not occur in the test set</source>
        <translation>标签仍然正确，但测试集中不会出现横放的照片</translation>
    </message>
    <message>
        <source>safe for a few pixels (MNIST&apos;s digits sit in the middle 20 px)</source>
        <translation>几个像素时安全（MNIST 的数字位于中间 20 像素之内）</translation>
    </message>
    <message>
        <source>safe for a few pixels</source>
        <translation>几个像素时安全</translation>
    </message>
    <message>
        <source>safe, and the classic one for CIFAR-10 (pad 4)</source>
        <translation>安全，而且是 CIFAR-10 的经典数据增广（填充 4）</translation>
    </message>
    <message>
        <source>handwritten digits (MNIST)</source>
        <translation>手写数字（MNIST）</translation>
    </message>
    <message>
        <source>clothes (Fashion-MNIST)</source>
        <translation>服饰（Fashion-MNIST）</translation>
    </message>
    <message>
        <source>photos (CIFAR-10)</source>
        <translation>照片（CIFAR-10）</translation>
    </message>
    <message>
        <source>a mirrored 2, 3, 4, 5 or 7 is no digit at all</source>
        <translation>镜像后的 2、3、4、5 或 7 根本不是数字</translation>
    </message>
    <message>
        <source>an upside-down 6 is a 9 and a 9 a 6 (and 2, 4, 7 become no digit)</source>
        <translation>上下颠倒的 6 是 9，9 是 6（2、4、7 则不再是数字）</translation>
    </message>
    <message>
        <source>rotations beyond ±90° turn a 6 into a 9</source>
        <translation>超过 ±90° 的旋转会把 6 变成 9</translation>
    </message>
    <message>
        <source>turned by 180° a 6 is a 9 and a 9 a 6; turned by 90° digits lie on their side</source>
        <translation>旋转 180° 后 6 是 9，9 是 6；旋转 90° 后数字横躺着</translation>
    </message>
    <message>
        <source>T-shirt/top</source>
        <translation>T恤/上衣</translation>
    </message>
    <message>
        <source>Trouser</source>
        <translation>裤子</translation>
    </message>
    <message>
        <source>Pullover</source>
        <translation>套衫</translation>
    </message>
    <message>
        <source>Dress</source>
        <translation>连衣裙</translation>
    </message>
    <message>
        <source>Coat</source>
        <translation>外套</translation>
    </message>
    <message>
        <source>Sandal</source>
        <translation>凉鞋</translation>
    </message>
    <message>
        <source>Shirt</source>
        <translation>衬衫</translation>
    </message>
    <message>
        <source>Sneaker</source>
        <translation>运动鞋</translation>
    </message>
    <message>
        <source>Bag</source>
        <translation>包</translation>
    </message>
    <message>
        <source>Ankle boot</source>
        <translation>短靴</translation>
    </message>
    <message>
        <source>airplane</source>
        <translation>飞机</translation>
    </message>
    <message>
        <source>automobile</source>
        <translation>汽车</translation>
    </message>
    <message>
        <source>bird</source>
        <translation>鸟</translation>
    </message>
    <message>
        <source>cat</source>
        <translation>猫</translation>
    </message>
    <message>
        <source>deer</source>
        <translation>鹿</translation>
    </message>
    <message>
        <source>dog</source>
        <translation>狗</translation>
    </message>
    <message>
        <source>frog</source>
        <translation>青蛙</translation>
    </message>
    <message>
        <source>horse</source>
        <translation>马</translation>
    </message>
    <message>
        <source>ship</source>
        <translation>船</translation>
    </message>
    <message>
        <source>truck</source>
        <translation>卡车</translation>
    </message>
</context>
<context>
    <name>Curves</name>
    <message>
        <source>completed</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>diverged</source>
        <translation>发散</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>轮（epoch）</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>train loss (smoothed)</source>
        <translation>训练损失（平滑）</translation>
    </message>
    <message>
        <source>test loss (per epoch)</source>
        <translation>测试损失（每轮）</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>learning rate (right axis)</source>
        <translation>学习率（右轴）</translation>
    </message>
    <message>
        <source>accuracy (%)</source>
        <translation>准确率（%）</translation>
    </message>
    <message>
        <source>train accuracy (smoothed)</source>
        <translation>训练准确率（平滑）</translation>
    </message>
    <message>
        <source>test accuracy (per epoch)</source>
        <translation>测试准确率（每轮）</translation>
    </message>
    <message>
        <source>Press Train to start: the curves appear here as the network learns.</source>
        <translation>按“训练”开始：网络学习时，曲线会显示在这里。</translation>
    </message>
    <message>
        <source>Training… the first points appear after the first steps.</source>
        <translation>训练中… 最初几步之后就会出现第一批点。</translation>
    </message>
    <message>
        <source>Run {name} (opened): no finished epoch to plot.</source>
        <translation>训练结果 {name}（已打开）：还没有完成任何一轮，无可绘制。</translation>
    </message>
    <message>
        <source>Run &lt;b&gt;{name}&lt;/b&gt; (opened): </source>
        <translation>训练结果 &lt;b&gt;{name}&lt;/b&gt;（已打开）：</translation>
    </message>
    <message>
        <source>Starting a new run…</source>
        <translation>正在开始新的训练…</translation>
    </message>
    <message>
        <source>&lt;b&gt;Best test accuracy {best} %&lt;/b&gt; at epoch {best_epoch} (★) · last epoch {last_epoch}: test accuracy {last} %, test loss {loss} · train accuracy {train} %</source>
        <translation>&lt;b&gt;最佳测试准确率 {best}%&lt;/b&gt;，在第 {best_epoch} 轮（★）· 最后一轮（第 {last_epoch} 轮）：测试准确率 {last}%，测试损失 {loss} · 训练准确率 {train}%</translation>
    </message>
    <message>
        <source>The run {status} before its first step finished: nothing to plot.</source>
        <translation>训练在第一步完成之前就{status}了：没有可画的内容。</translation>
    </message>
    <message>
        <source>The run {status} before its first epoch ended: the test curves get their first point at the end of an epoch.</source>
        <translation>训练在第一轮结束之前就{status}了：测试曲线要到一轮结束时才有第一个点。</translation>
    </message>
    <message>
        <source>epoch {epoch} (step {step}) — train loss {loss}</source>
        <translation>第 {epoch} 轮（第 {step} 步）——训练损失 {loss}</translation>
    </message>
    <message>
        <source> (smoothed {loss})</source>
        <translation>（平滑 {loss}）</translation>
    </message>
    <message>
        <source>Step {step}: this run does not say how many steps an epoch has, so its curves cannot be placed at that step.</source>
        <translation>第 {step} 步：这次训练没有记录每轮有多少步，因此无法在曲线上定位这一步。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Step {step}&lt;/b&gt; (epoch {epoch})</source>
        <translation>&lt;b&gt;第 {step} 步&lt;/b&gt;（第 {epoch} 轮）</translation>
    </message>
    <message>
        <source>that step</source>
        <translation>这一步</translation>
    </message>
    <message>
        <source>mean of the epoch that ends here</source>
        <translation>在此结束的一轮的平均值</translation>
    </message>
    <message>
        <source>train loss {loss} ({how})</source>
        <translation>训练损失 {loss}（{how}）</translation>
    </message>
    <message>
        <source> · train accuracy {acc} %</source>
        <translation> · 训练准确率 {acc}%</translation>
    </message>
    <message>
        <source>no training value recorded at this step</source>
        <translation>这一步没有记录训练值</translation>
    </message>
    <message>
        <source>no epoch evaluated yet</source>
        <translation>还没有评估过任何一轮</translation>
    </message>
    <message>
        <source>last evaluation, epoch {epoch}: test accuracy {acc} %</source>
        <translation>最近一次评估（第 {epoch} 轮）：测试准确率 {acc}%</translation>
    </message>
    <message>
        <source>&lt;b&gt;epoch {epoch}&lt;/b&gt;: test accuracy {acc} %</source>
        <translation>&lt;b&gt;第 {epoch} 轮&lt;/b&gt;：测试准确率 {acc}%</translation>
    </message>
    <message>
        <source>, test loss {loss}</source>
        <translation>，测试损失 {loss}</translation>
    </message>
    <message>
        <source>{lesson}, dashed: run {run}</source>
        <translation>{lesson}（虚线）：训练结果 {run}</translation>
    </message>
</context>
<context>
    <name>DatasetBrowser</name>
    <message>
        <source>Choose a dataset in the settings to see its classes here.</source>
        <translation>在设置中选择一个数据集，这里就会显示它的各个类别。</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Loading {name}…</source>
        <translation>正在加载 {name}…</translation>
    </message>
    <message>
        <source>Could not read {name}: {error}</source>
        <translation>无法读取 {name}：{error}</translation>
    </message>
    <message>
        <source>grey</source>
        <translation>灰度</translation>
    </message>
    <message>
        <source>&lt;b&gt;{name}&lt;/b&gt; &amp;nbsp;·&amp;nbsp; {n_train} training / {n_test} test images &amp;nbsp;·&amp;nbsp; {w}×{h} {kind} &amp;nbsp;·&amp;nbsp; {classes} classes</source>
        <translation>&lt;b&gt;{name}&lt;/b&gt; &amp;nbsp;·&amp;nbsp; {n_train} 张训练图像 / {n_test} 张测试图像 &amp;nbsp;·&amp;nbsp; {w}×{h} {kind} &amp;nbsp;·&amp;nbsp; {classes} 个类别</translation>
    </message>
    <message>
        <source>class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>mean</source>
        <translation>平均</translation>
    </message>
    <message>
        <source>{n} random training images</source>
        <translation>{n} 张随机训练图像</translation>
    </message>
    <message>
        <source>{n_train} train / {n_test} test</source>
        <translation>训练 {n_train} / 测试 {n_test}</translation>
    </message>
    <message>
        <source>Mean of the {n} training images of {name}</source>
        <translation>{name} 的 {n} 张训练图像的平均</translation>
    </message>
    <message>
        <source>{name}: training image #{n}</source>
        <translation>{name}：训练图像 #{n}</translation>
    </message>
</context>
<context>
    <name>DownloadDialog</name>
    <message>
        <source>{done} of {total} · {file}</source>
        <translation>{done} / {total} · {file}</translation>
    </message>
    <message>
        <source>Download {name}</source>
        <translation>下载 {name}</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>{n} bytes</source>
        <translation>{n} 字节</translation>
    </message>
    <message>
        <source>{name} is not on this computer. Download it ({size}) from the internet into {root}?</source>
        <translation>这台计算机上没有 {name}。要从互联网下载它（{size}）到 {root} 吗？</translation>
    </message>
    <message>
        <source>{name} is not on this computer. Download it from the internet into {root}?</source>
        <translation>这台计算机上没有 {name}。要从互联网下载它到 {root} 吗？</translation>
    </message>
    <message>
        <source>Downloading {name} into {root}…</source>
        <translation>正在下载 {name} 到 {root}…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>the download stopped without a result.</source>
        <translation>下载停止了，但没有结果。</translation>
    </message>
    <message>
        <source>{name} could not be downloaded.</source>
        <translation>{name} 无法下载。</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>DrawCanvas</name>
    <message>
        <source>Drawing canvas</source>
        <translation>绘图画布</translation>
    </message>
    <message>
        <source>Draw a digit with the left mouse button; the right button erases.</source>
        <translation>用鼠标左键画一个数字；右键擦除。</translation>
    </message>
</context>
<context>
    <name>DrawPanel</name>
    <message>
        <source>Draw a digit here
(right button erases)</source>
        <translation>在这里画一个数字
（右键擦除）</translation>
    </message>
    <message>
        <source>Pen</source>
        <translation>画笔</translation>
    </message>
    <message>
        <source>Draw with the left mouse button (P)</source>
        <translation>用鼠标左键画（P）</translation>
    </message>
    <message>
        <source>Eraser</source>
        <translation>橡皮擦</translation>
    </message>
    <message>
        <source>Erase with the left button; the right button always erases (E)</source>
        <translation>用左键擦除；右键始终是擦除（E）</translation>
    </message>
    <message>
        <source>Undo stroke</source>
        <translation>撤销笔画</translation>
    </message>
    <message>
        <source>Remove the last stroke (Ctrl+Z)</source>
        <translation>删除最后一笔（Ctrl+Z）</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <source>Empty the canvas (Delete)</source>
        <translation>清空画布（Delete）</translation>
    </message>
    <message>
        <source>Load image…</source>
        <translation>载入图像…</translation>
    </message>
    <message>
        <source>Open a PNG or JPG of a digit (dark on light or light on dark)</source>
        <translation>打开一个数字的 PNG 或 JPG（浅底深字或深底浅字）</translation>
    </message>
    <message>
        <source>Use a test sample</source>
        <translation>使用测试样本</translation>
    </message>
    <message>
        <source>Put a random image of the test set on the canvas</source>
        <translation>把测试集中的一张随机图像放到画布上</translation>
    </message>
    <message>
        <source>Show where it looked</source>
        <translation>显示它看了哪里</translation>
    </message>
    <message>
        <source>Grad-CAM: colour the parts of your drawing that pushed the network towards its answer</source>
        <translation>Grad-CAM：给你的画中促使网络做出这个回答的部分上色</translation>
    </message>
    <message>
        <source>Which network predicts: the one training now, or a run from disk</source>
        <translation>由哪个网络预测：正在训练的网络，或磁盘上保存的训练结果</translation>
    </message>
    <message>
        <source>Latest weights</source>
        <translation>最新权重</translation>
    </message>
    <message>
        <source>Use the weights the training has now, without waiting for the end of the epoch</source>
        <translation>立即使用训练当前的权重，不必等到本轮结束</translation>
    </message>
    <message>
        <source>This network classifies photos: load an image or use a test sample. Drawing is for digit networks.</source>
        <translation>这个网络对照片分类：请载入图像或使用测试样本。手绘适用于数字网络。</translation>
    </message>
    <message>
        <source>Cannot use the training&apos;s weights: {reason}</source>
        <translation>无法使用训练中的权重：{reason}</translation>
    </message>
    <message>
        <source>Could not open the run: {reason}</source>
        <translation>无法打开该训练结果：{reason}</translation>
    </message>
    <message>
        <source>No test sample: {reason}</source>
        <translation>没有测试样本：{reason}</translation>
    </message>
    <message>
        <source>That test sample is blank; try another.</source>
        <translation>这个测试样本是空白的；请换一个。</translation>
    </message>
    <message>
        <source>Test sample #{n}</source>
        <translation>测试样本 #{n}</translation>
    </message>
    <message>
        <source>Test sample</source>
        <translation>测试样本</translation>
    </message>
    <message>
        <source> — its label: {name}.</source>
        <translation>——标签：{name}。</translation>
    </message>
    <message>
        <source>.</source>
        <translation>。</translation>
    </message>
    <message>
        <source>Loaded {path}.</source>
        <translation>已载入 {path}。</translation>
    </message>
    <message>
        <source>The timeline shows step {step}; this tab&apos;s prediction and Grad-CAM use the network now (the weights of earlier steps are not kept).</source>
        <translation>时间线显示的是第 {step} 步；本页的预测和 Grad-CAM 用的是现在的网络（更早各步的权重不会保存）。</translation>
    </message>
    <message>
        <source>Draw</source>
        <translation>手绘</translation>
    </message>
    <message>
        <source>Start a training run first: the feature-map views show a network as it trains.</source>
        <translation>请先开始训练：特征图视图显示的是正在训练的网络。</translation>
    </message>
    <message>
        <source>Could not show the drawing inside: {reason}</source>
        <translation>无法在网络内部视图中显示这幅画：{reason}</translation>
    </message>
    <message>
        <source>Your drawing is now the probe image of the feature-map views.</source>
        <translation>你的画现在是特征图视图的探测图像。</translation>
    </message>
    <message>
        <source> (or press “Latest weights”).</source>
        <translation>（或按“最新权重”）。</translation>
    </message>
    <message>
        <source>Training started: the canvas uses the network after its first epoch</source>
        <translation>训练已开始：画布会在第一轮结束后使用该网络</translation>
    </message>
    <message>
        <source>The training did not publish its weights, so the canvas cannot use it.</source>
        <translation>训练没有提供它的权重，所以画布无法使用它。</translation>
    </message>
    <message>
        <source>No configuration known for the training&apos;s weights.</source>
        <translation>这些训练权重没有对应的配置。</translation>
    </message>
    <message>
        <source>Could not use the run: {reason}</source>
        <translation>无法使用该训练结果：{reason}</translation>
    </message>
    <message>
        <source>Draw a piece of clothing here
(right button erases)</source>
        <translation>在这里画一件服饰
（右键擦除）</translation>
    </message>
    <message>
        <source>Load an image or use a test sample
(drawing works too)</source>
        <translation>载入图像或使用测试样本
（也可以手绘）</translation>
    </message>
    <message>
        <source>Open a PNG or JPG photo: the network sees it resized whole</source>
        <translation>打开一张 PNG 或 JPG 照片：网络看到的是整体缩放后的照片</translation>
    </message>
    <message>
        <source>Load a photo</source>
        <translation>载入照片</translation>
    </message>
    <message>
        <source>Load an image of a digit</source>
        <translation>载入数字图像</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp);;All files (*)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.bmp *.gif *.webp);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>Estimates</name>
    <message>
        <source>under a minute</source>
        <translation>不到一分钟</translation>
    </message>
    <message>
        <source>{m} min</source>
        <translation>{m} 分钟</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>{h} 小时 {m} 分钟</translation>
    </message>
    <message>
        <source>Training — settings are locked until the run ends. Stop or Pause at any time.</source>
        <translation>训练中——训练结束前设置被锁定。可随时停止或暂停。</translation>
    </message>
    <message>
        <source>{n} parameters</source>
        <translation>{n} 个参数</translation>
    </message>
    <message>
        <source>counting parameters…</source>
        <translation>正在统计参数…</translation>
    </message>
    <message>
        <source>{count} · input {c}×{side}×{side} · {paper}</source>
        <translation>{count} · 输入 {c}×{side}×{side} · {paper}</translation>
    </message>
    <message>
        <source>Estimating the training time on this device…</source>
        <translation>正在估计在此设备上的训练时间…</translation>
    </message>
    <message>
        <source>Still measuring the training speed on this device ({seconds} s)… A big network takes up to a minute; you can train meanwhile.</source>
        <translation>仍在测量本设备上的训练速度（{seconds} 秒）……大型网络最多需要一分钟；现在也可以开始训练。</translation>
    </message>
    <message>
        <source>No time estimate: {error}</source>
        <translation>无法估计时间：{error}</translation>
    </message>
    <message>
        <source>the timing run measured no speed</source>
        <translation>计时运行没有测得速度</translation>
    </message>
    <message>
        <source>the Apple GPU</source>
        <translation>Apple GPU</translation>
    </message>
    <message>
        <source>this CPU</source>
        <translation>本机 CPU</translation>
    </message>
    <message>
        <source>from your last run</source>
        <translation>来自你上次的训练</translation>
    </message>
    <message>
        <source>measured</source>
        <translation>实测</translation>
    </message>
    <message>
        <source>&lt;b&gt;{duration}&lt;/b&gt; on {where} &lt;span style=&apos;color:#555&apos;&gt;({rate} images/s, {origin})&lt;/span&gt;</source>
        <translation>&lt;b&gt;{duration}&lt;/b&gt;（{where}）&lt;span style=&apos;color:#555&apos;&gt;（{rate} 张/秒，{origin}）&lt;/span&gt;</translation>
    </message>
    <message>
        <source>That is long. Try: {offers}.</source>
        <translation>时间较长。可以试试：{offers}。</translation>
    </message>
    <message>
        <source>, or </source>
        <translation>，或</translation>
    </message>
    <message>
        <source>use width 0.5</source>
        <translation>使用宽度 0.5</translation>
    </message>
    <message>
        <source>use the native size</source>
        <translation>使用原始尺寸</translation>
    </message>
    <message>
        <source>&lt;a href=&apos;subset:{subset}&apos;&gt;train on {n} images&lt;/a&gt;</source>
        <translation>&lt;a href=&apos;subset:{subset}&apos;&gt;只用 {n} 张图像训练&lt;/a&gt;</translation>
    </message>
</context>
<context>
    <name>ExamplesView</name>
    <message>
        <source>Train a run, or open a saved one: which images the network learns, when, and which it forgets appears here after each epoch.</source>
        <translation>训练一次，或打开一个保存的训练结果：网络学会了哪些图像、何时学会、又忘记了哪些，会在每轮结束后显示在这里。</translation>
    </message>
    <message>
        <source>Never learned</source>
        <translation>从未学会</translation>
    </message>
    <message>
        <source>Most forgotten</source>
        <translation>遗忘最多</translation>
    </message>
    <message>
        <source>Learned last</source>
        <translation>最晚学会</translation>
    </message>
    <message>
        <source>Test images that flip</source>
        <translation>时对时错的测试图像</translation>
    </message>
    <message>
        <source>Training images first learned at epoch k</source>
        <translation>在第 k 轮首次学会的训练图像</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>轮（epoch）</translation>
    </message>
    <message>
        <source>images</source>
        <translation>图像数</translation>
    </message>
    <message>
        <source>Share of each class forgotten at least once</source>
        <translation>每个类别中至少被遗忘一次的比例</translation>
    </message>
    <message>
        <source>forgotten (%)</source>
        <translation>被遗忘（%）</translation>
    </message>
    <message>
        <source>{what}{epochs} epoch(s), {n} training images: never learned {never}, forgotten at least once {once}, learned and never forgotten {kept}. Click an image to look inside the network with it.</source>
        <translation>{what}{epochs} 轮，{n} 张训练图像：从未学会 {never}，至少遗忘一次 {once}，学会后从未遗忘 {kept}。点击一张图像，用它查看网络内部。</translation>
    </message>
    <message>
        <source>{what}: </source>
        <translation>{what}：</translation>
    </message>
    <message>
        <source>training image #{i}</source>
        <translation>训练图像 #{i}</translation>
    </message>
    <message>
        <source>test image #{i}</source>
        <translation>测试图像 #{i}</translation>
    </message>
    <message>
        <source>{source}, label {name}: first learned at epoch {first}, forgotten {n} time(s)</source>
        <translation>{source}，标签 {name}：第 {first} 轮首次学会，遗忘 {n} 次</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>Examples</source>
        <translation>样本</translation>
    </message>
    <message>
        <source>Recording which images the network gets right: the galleries appear at the end of the first epoch.</source>
        <translation>正在记录网络答对了哪些图像：第一轮结束时显示图库。</translation>
    </message>
    <message>
        <source>Reading the run&apos;s example record…</source>
        <translation>正在读取训练结果的样本记录…</translation>
    </message>
    <message>
        <source>No example record: {error}</source>
        <translation>没有样本记录：{error}</translation>
    </message>
    <message>
        <source>This run has no example record: it was trained by an earlier ConvScope. Train a new run to see which images it learns and forgets.</source>
        <translation>这个训练结果没有样本记录：它由较早版本的 ConvScope 训练。训练一次新的，即可看到网络学会和忘记了哪些图像。</translation>
    </message>
    <message>
        <source>the opened run</source>
        <translation>打开的训练结果</translation>
    </message>
    <message>
        <source>(No images: {why})</source>
        <translation>（无图像：{why}）</translation>
    </message>
</context>
<context>
    <name>Export</name>
    <message>
        <source>ONNX model…</source>
        <translation>ONNX 模型…</translation>
    </message>
    <message>
        <source>Metrics as CSV…</source>
        <translation>指标（CSV）…</translation>
    </message>
    <message>
        <source>TensorBoard scalars…</source>
        <translation>TensorBoard 标量…</translation>
    </message>
    <message>
        <source>Curves as PNG…</source>
        <translation>曲线（PNG）…</translation>
    </message>
    <message>
        <source>The whole run as one file (.convscope)…</source>
        <translation>整个训练结果存为一个文件（.convscope）…</translation>
    </message>
    <message>
        <source>The run as a web page (.html)…</source>
        <translation>训练结果存为网页（.html）…</translation>
    </message>
</context>
<context>
    <name>FieldCompare</name>
    <message>
        <source>Compare with</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>run {name} takes {shape} images and this run {mine}: choose a saved run of the same input size and channels.</source>
        <translation>训练结果 {name} 的输入是 {shape} 的图像，而这次训练是 {mine}：请选择输入尺寸和通道数相同的已保存训练结果。</translation>
    </message>
    <message>
        <source>The other architecture, on the same input size, with freshly initialised weights; or, below them, a saved run of the same dataset with its trained weights.</source>
        <translation>另一个架构，输入大小相同，权重为刚初始化的；或者（列在架构下方）同一数据集上已保存的训练结果，使用它训练好的权重。</translation>
    </message>
    <message>
        <source>this run&apos;s layer</source>
        <translation>这次训练的层</translation>
    </message>
    <message>
        <source>its layer</source>
        <translation>它的层</translation>
    </message>
    <message>
        <source>Until you choose one: the layer at the same relative depth (the share of the network&apos;s convolution and pooling layers that have run).</source>
        <translation>在你选择之前：取相对深度相同的层（已经运行的卷积层和汇聚层占网络中全部卷积层和汇聚层的比例）。</translation>
    </message>
    <message>
        <source>Choose an architecture to compare with.</source>
        <translation>选择一个用来对比的架构。</translation>
    </message>
    <message>
        <source>network</source>
        <translation>网络</translation>
    </message>
    <message>
        <source>layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>field</source>
        <translation>感受野</translation>
    </message>
    <message>
        <source>stride</source>
        <translation>步幅</translation>
    </message>
    <message>
        <source>in its stage</source>
        <translation>阶段内</translation>
    </message>
    <message>
        <source>r50</source>
        <translation>r50</translation>
    </message>
    <message>
        <source>r90</source>
        <translation>r90</translation>
    </message>
    <message>
        <source>parameters up to it</source>
        <translation>到该层为止的参数</translation>
    </message>
    <message>
        <source>field: the receptive field on the input image (size in pixels) of the layer&apos;s centre unit; stride: input pixels between neighbouring units; in its stage: the field counted in positions of the grid since the last pooling or strided layer, and the weights per input-output channel pair on the way there (two 3×3 convolutions: 5×5 and 18; one 5×5: 5×5 and 25); r50, r90: radii holding 50 % and 90 % of the effective field; parameters up to it: every weight, bias and batch-norm parameter the layer&apos;s output is computed from.</source>
        <translation>感受野：该层中心单元在输入图像上的感受野（以像素计的大小）；步幅：相邻单元之间相隔的输入像素；阶段内：从上一个汇聚层或带步幅的层起、以该网格的位置计的感受野，以及一路上每对输入—输出通道的权重数（两个 3×3 卷积：5×5 和 18；一个 5×5 卷积：5×5 和 25）；r50、r90：容纳有效感受野 50% 和 90% 的半径；到该层为止的参数：计算该层输出所用到的每个权重、偏置和批量规范化参数。</translation>
    </message>
    <message>
        <source>{network} · {layer}&lt;br&gt;sees {sy}×{sx} px</source>
        <translation>{network} · {layer}&lt;br&gt;看到 {sy}×{sx} 像素</translation>
    </message>
    <message>
        <source>{size} · {weights} weights/pair</source>
        <translation>{size} · 每对通道 {weights} 个权重</translation>
    </message>
    <message>
        <source>run {name} ({arch}, trained)</source>
        <translation>训练结果 {name}（{arch}，已训练）</translation>
    </message>
    <message>
        <source>Comparing…</source>
        <translation>正在对比……</translation>
    </message>
    <message>
        <source>Train or open a run first: the comparison uses its network.</source>
        <translation>请先训练或打开一次训练结果：对比要用到它的网络。</translation>
    </message>
    <message>
        <source>The comparison is computed when the run pauses or ends.</source>
        <translation>对比会在训练暂停或结束时计算。</translation>
    </message>
    <message>
        <source>Could not compare: {error}</source>
        <translation>无法对比：{error}</translation>
    </message>
    <message>
        <source>{a} at relative depth {ra} and {b} at {rb}: fields of {fa} and {fb} pixels, {sa} and {sb} within their stages. Left: this run&apos;s weights; right: {right}; heat averaged over {n} test images.</source>
        <translation>相对深度 {ra} 处的 {a} 与相对深度 {rb} 处的 {b}：感受野分别为 {fa} 和 {fb} 像素，在各自阶段内分别为 {sa} 和 {sb}。左：这次训练的权重；右：{right}；热图在 {n} 张测试图像上取平均。</translation>
    </message>
    <message>
        <source>fresh weights</source>
        <translation>刚初始化的权重</translation>
    </message>
    <message>
        <source>the weights of run {name}</source>
        <translation>训练结果 {name} 的权重</translation>
    </message>
</context>
<context>
    <name>HealthView</name>
    <message>
        <source>Start a training run: each layer&apos;s health appears here as it trains.</source>
        <translation>开始一次训练：训练过程中，每一层的健康状况都会显示在这里。</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <source>measurement (training goes on to the right)</source>
        <translation>测量（训练向右推进）</translation>
    </message>
    <message>
        <source>share of the block&apos;s output (%)</source>
        <translation>在块输出中所占比例（%）</translation>
    </message>
    <message>
        <source>&lt;b&gt;Is every layer learning?&lt;/b&gt;&lt;br&gt;&lt;br&gt;&lt;b&gt;Gradient norm&lt;/b&gt;: how strongly the loss pushes a layer&apos;s weights. Rows that fade to dark towards the input mean vanishing gradients — a deep sigmoid network, or depth without shortcuts or BatchNorm.&lt;br&gt;&lt;br&gt;&lt;b&gt;Weight change&lt;/b&gt;: how far each layer has moved since the first step; a layer that stays at 0 is not learning.&lt;br&gt;&lt;br&gt;&lt;b&gt;Dead ReLUs&lt;/b&gt;: channels that output 0 for every image of a fixed batch. They pass no gradient; a too-large learning rate kills many.&lt;br&gt;&lt;br&gt;&lt;b&gt;Activation mean / std&lt;/b&gt;: a std collapsing to 0 or growing layer by layer is the problem BatchNorm fixes.&lt;br&gt;&lt;br&gt;&lt;b&gt;Inception branches&lt;/b&gt; (GoogLeNet, the Inception net): how much of each block&apos;s output comes from its 1×1, 3×3, 5×5 and pooling branches.</source>
        <translation>&lt;b&gt;每一层都在学习吗？&lt;/b&gt;&lt;br&gt;&lt;br&gt;&lt;b&gt;梯度范数&lt;/b&gt;：损失推动某一层权重的力度。越靠近输入越暗的行意味着梯度消失——深层的 sigmoid 网络，或者没有残差连接和批量规范化的深度网络。&lt;br&gt;&lt;br&gt;&lt;b&gt;权重变化&lt;/b&gt;：每一层自第一步以来移动了多远；一直停在 0 的层没有在学习。&lt;br&gt;&lt;br&gt;&lt;b&gt;死亡 ReLU&lt;/b&gt;：对一个固定批量的每张图像都输出 0 的通道。它们不再传递梯度；学习率过大会杀死很多。&lt;br&gt;&lt;br&gt;&lt;b&gt;激活均值/标准差&lt;/b&gt;：标准差塌缩到 0 或逐层增大，正是批量规范化要解决的问题。&lt;br&gt;&lt;br&gt;&lt;b&gt;Inception 分支&lt;/b&gt;（GoogLeNet、Inception 网络）：每个块的输出中有多少来自它的 1×1、3×3、5×5 和汇聚分支。</translation>
    </message>
    <message>
        <source>gradient norm (log₁₀)</source>
        <translation>梯度范数（log₁₀）</translation>
    </message>
    <message>
        <source>weight change since the first step</source>
        <translation>自第一步以来的权重变化</translation>
    </message>
    <message>
        <source>share of dead ReLUs</source>
        <translation>死亡 ReLU 的比例</translation>
    </message>
    <message>
        <source>activation mean</source>
        <translation>激活均值</translation>
    </message>
    <message>
        <source>activation standard deviation</source>
        <translation>激活标准差</translation>
    </message>
    <message>
        <source>Measuring the layers once the first steps are done…</source>
        <translation>完成最初几步后开始测量各层…</translation>
    </message>
    <message>
        <source>{n} measurements, the last at step {step} (epoch {epoch}).</source>
        <translation>共 {n} 次测量，最近一次在第 {step} 步（第 {epoch} 轮）。</translation>
    </message>
    <message>
        <source>At step {k}: </source>
        <translation>第 {k} 步时：</translation>
    </message>
    <message>
        <source>Layer health is measured while a run trains in this window; it is not saved with the run, so it was not recorded for this run.</source>
        <translation>层健康状况是在本窗口训练时测量的；它不随训练结果保存，所以这次训练没有记录。</translation>
    </message>
    <message>
        <source>Step {k}: no layer was measured by then (the first measurement is at step {first}).</source>
        <translation>第 {k} 步：那时还没有测量任何层（第一次测量在第 {first} 步）。</translation>
    </message>
    <message>
        <source>Layer health</source>
        <translation>层健康</translation>
    </message>
</context>
<context>
    <name>Help</name>
    <message>
        <source>ConvScope guide</source>
        <translation>ConvScope 指南</translation>
    </message>
    <message>
        <source>development version</source>
        <translation>开发版</translation>
    </message>
    <message>
        <source>Train with the settings shown (Ctrl+Enter on the number pad too)</source>
        <translation>用当前设置训练（数字小键盘的 Ctrl+Enter 也可以）</translation>
    </message>
    <message>
        <source>&lt;h1&gt;{title}&lt;/h1&gt;&lt;p&gt;The guide&apos;s file {file} is missing. The README of ConvScope explains the same things.&lt;/p&gt;</source>
        <translation>&lt;h1&gt;{title}&lt;/h1&gt;&lt;p&gt;找不到指南文件 {file}。ConvScope 的 README 中有同样的说明。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>About ConvScope</source>
        <translation>关于 ConvScope</translation>
    </message>
    <message>
        <source>&lt;b&gt;ConvScope&lt;/b&gt; {version}&lt;br&gt;Train the classic CNNs of &lt;i&gt;Dive into Deep Learning&lt;/i&gt; (LeNet → ResNet) with a click and watch them learn.&lt;br&gt;&lt;br&gt;Press F1 for the {guide}.</source>
        <translation>&lt;b&gt;ConvScope&lt;/b&gt; {version}&lt;br&gt;一键训练《动手学深度学习》中的经典卷积神经网络（LeNet → ResNet），观察它们如何学习。&lt;br&gt;&lt;br&gt;按 F1 打开{guide}。</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>ConvScope &amp;guide</source>
        <translation>ConvScope 指南(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;About ConvScope</source>
        <translation>关于 ConvScope(&amp;A)</translation>
    </message>
</context>
<context>
    <name>InsideViews</name>
    <message>
        <source>test sample {n}</source>
        <translation>测试样本 {n}</translation>
    </message>
    <message>
        <source>your drawing</source>
        <translation>你的画</translation>
    </message>
    <message>
        <source>one score map per class, averaged into the class scores</source>
        <translation>每个类别一张得分图，平均后得到类别得分</translation>
    </message>
    <message>
        <source>{0} channels pooled then fc</source>
        <translation>{0} 个通道汇聚后接全连接层</translation>
    </message>
    <message>
        <source>mixes {0} channels per pixel</source>
        <translation>逐像素混合 {0} 个通道</translation>
    </message>
    <message>
        <source>{0} channels</source>
        <translation>{0} 个通道</translation>
    </message>
    <message>
        <source>1×1 reduce before the {0}</source>
        <translation>{0} 之前的 1×1 降维</translation>
    </message>
    <message>
        <source>1×1 before the {0}s</source>
        <translation>{0} 之前的 1×1</translation>
    </message>
    <message>
        <source>1×1 before the {0}</source>
        <translation>{0} 之前的 1×1</translation>
    </message>
    <message>
        <source>1×1 after the average pool</source>
        <translation>平均汇聚之后的 1×1</translation>
    </message>
    <message>
        <source>1×1 branch</source>
        <translation>1×1 分支</translation>
    </message>
    <message>
        <source>1×1 shortcut conv</source>
        <translation>残差连接上的 1×1 卷积</translation>
    </message>
    <message>
        <source>first Inception block output</source>
        <translation>第一个 Inception 块的输出</translation>
    </message>
    <message>
        <source>last Inception block</source>
        <translation>最后一个 Inception 块</translation>
    </message>
    <message>
        <source>first Inception</source>
        <translation>第一个 Inception 块</translation>
    </message>
    <message>
        <source>two residual blocks</source>
        <translation>两个残差块</translation>
    </message>
    <message>
        <source>block {0} output</source>
        <translation>第 {0} 块的输出</translation>
    </message>
    <message>
        <source>block {0}</source>
        <translation>第 {0} 块</translation>
    </message>
    <message>
        <source>stage {0}</source>
        <translation>第 {0} 阶段</translation>
    </message>
    <message>
        <source>last block</source>
        <translation>最后一块</translation>
    </message>
    <message>
        <source>last stage</source>
        <translation>最后阶段</translation>
    </message>
    <message>
        <source>stem</source>
        <translation>起始层（stem）</translation>
    </message>
    <message>
        <source>first {0} conv</source>
        <translation>第一个 {0} 卷积</translation>
    </message>
    <message>
        <source>second {0} conv</source>
        <translation>第二个 {0} 卷积</translation>
    </message>
    <message>
        <source>last {0} conv</source>
        <translation>最后一个 {0} 卷积</translation>
    </message>
    <message>
        <source>first conv</source>
        <translation>第一个卷积</translation>
    </message>
    <message>
        <source>{0} conv</source>
        <translation>{0} 卷积</translation>
    </message>
    <message>
        <source>{0} maps</source>
        <translation>{0} 张特征图</translation>
    </message>
    <message>
        <source>half size</source>
        <translation>尺寸减半</translation>
    </message>
    <message>
        <source>stride {0}</source>
        <translation>步幅 {0}</translation>
    </message>
    <message>
        <source> ({0})</source>
        <translation>（{0}）</translation>
    </message>
    <message>
        <source>({0})</source>
        <translation>（{0}）</translation>
    </message>
    <message>
        <source>: </source>
        <translation>：</translation>
    </message>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <source>Scrub back through the last snapshots to see how the maps formed.</source>
        <translation>拖动回看最近的快照，观察特征图是如何形成的。</translation>
    </message>
    <message>
        <source>no snapshot yet</source>
        <translation>还没有快照</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <source>Follow the newest snapshot</source>
        <translation>跟随最新的快照</translation>
    </message>
    <message>
        <source>Probe image: test sample</source>
        <translation>探测图像：测试样本</translation>
    </message>
    <message>
        <source>Which test image the network is probed with</source>
        <translation>用哪一张测试图像探测网络</translation>
    </message>
    <message>
        <source>Another</source>
        <translation>换一张</translation>
    </message>
    <message>
        <source>Probe with a random test image</source>
        <translation>用一张随机测试图像探测</translation>
    </message>
    <message>
        <source>Could not look inside the network</source>
        <translation>无法查看网络内部</translation>
    </message>
    <message>
        <source>Layer:</source>
        <translation>层：</translation>
    </message>
    <message>
        <source>Start training to see inside the network.</source>
        <translation>开始训练即可查看网络内部。</translation>
    </message>
    <message>
        <source>{network} has no layer of this kind.</source>
        <translation>{network} 没有这种层。</translation>
    </message>
    <message>
        <source>In {network}:</source>
        <translation>在 {network} 中：</translation>
    </message>
    <message>
        <source>{network}: waiting for the first snapshot…</source>
        <translation>{network}：等待第一张快照…</translation>
    </message>
    <message>
        <source>Could not draw this snapshot (see the log).</source>
        <translation>无法绘制这张快照（见日志）。</translation>
    </message>
    <message>
        <source>true {name} · </source>
        <translation>真实：{name} · </translation>
    </message>
    <message>
        <source>{source}&lt;br&gt;{true}predicted {name} ({p})</source>
        <translation>{source}&lt;br&gt;{true}预测 {name}（{p}）</translation>
    </message>
    <message>
        <source>an unknown error</source>
        <translation>未知错误</translation>
    </message>
    <message>
        <source>Training goes on; these pictures update again once a look inside works.</source>
        <translation>训练继续进行；一旦能再次查看内部，这些图像就会重新更新。</translation>
    </message>
    <message>
        <source>The network itself is not affected. Try another probe image, layer or test sample.</source>
        <translation>网络本身不受影响。请换一张探测图像、换一层或换一个测试样本。</translation>
    </message>
    <message>
        <source>Step {step} is older than the snapshots kept while training (the oldest kept is step {first}).</source>
        <translation>第 {step} 步早于训练中保留的快照（保留的最早一张在第 {first} 步）。</translation>
    </message>
    <message>
        <source>No snapshot was recorded at step {step} (the nearest: step {near}).</source>
        <translation>第 {step} 步没有记录快照（最近的一张在第 {near} 步）。</translation>
    </message>
    <message>
        <source>No snapshot was recorded for this run.</source>
        <translation>这次训练没有记录快照。</translation>
    </message>
    <message>
        <source>now: {source}</source>
        <translation>当前：{source}</translation>
    </message>
    <message>
        <source>recorded snapshot {pos} of {n} · step {step} · epoch {epoch}</source>
        <translation>记录的快照 {pos}/{n} · 第 {step} 步 · 第 {epoch} 轮</translation>
    </message>
    <message>
        <source>opened weights (epoch {epoch}) · scrub back to replay {n} snapshots of its training</source>
        <translation>打开的权重（第 {epoch} 轮）· 往回拖动可重放训练过程中记录的 {n} 张快照</translation>
    </message>
    <message>
        <source>replay: step {step} · epoch {epoch} · {when} · snapshot {pos} of {n}</source>
        <translation>重放：第 {step} 步 · 第 {epoch} 轮 · {when} · 第 {pos} / {n} 张快照</translation>
    </message>
    <message>
        <source>live</source>
        <translation>实时</translation>
    </message>
    <message>
        <source>snapshot {pos} of {n}</source>
        <translation>快照 {pos}/{n}</translation>
    </message>
    <message>
        <source>step {step} · epoch {epoch} · {when} · {which}</source>
        <translation>第 {step} 步 · 第 {epoch} 轮 · {when} · {which}</translation>
    </message>
    <message>
        <source>Feature maps</source>
        <translation>特征图</translation>
    </message>
    <message>
        <source>the first convolution has 6 channels of 5×5 kernels on the 28×28 image: strokes and edges; the second, 16 channels on 10×10 maps: combinations of strokes.</source>
        <translation>第一个卷积层在 28×28 的图像上有 6 个通道、5×5 的卷积核：笔画和边缘；第二个卷积层在 10×10 的特征图上有 16 个通道：笔画的组合。</translation>
    </message>
    <message>
        <source>the first convolution has 96 channels of 11×11 kernels with stride 4: large edge and blob detectors on a coarse grid; the deeper layers have many more, smaller maps.</source>
        <translation>第一个卷积层有 96 个通道、11×11 的卷积核、步幅为 4：在粗网格上检测大的边缘和色块；更深的层有多得多、也更小的特征图。</translation>
    </message>
    <message>
        <source>every convolution is 3×3; two of them see as far as one 5×5 with fewer weights, and each block&apos;s pool halves the maps.</source>
        <translation>每个卷积层都是 3×3；两个 3×3 卷积层的感受野与一个 5×5 卷积层相同，但权重更少；每个块末尾的汇聚层把特征图的高和宽减半。</translation>
    </message>
    <message>
        <source>each block&apos;s k×k convolution is followed by two 1×1 convolutions; pick a block&apos;s first layer here, its 1×1 layers in the 1×1 view.</source>
        <translation>每个块的 k×k 卷积层后面跟着两个 1×1 卷积层；在这里选择块的第一层，在 1×1 视图中看它的 1×1 层。</translation>
    </message>
    <message>
        <source>an Inception block&apos;s output joins its four branches&apos; maps: its channels come in four groups (1×1, 3×3, 5×5, pooling).</source>
        <translation>Inception 块的输出把四个分支的特征图拼在一起：它的通道分成四组（1×1、3×3、5×5、汇聚）。</translation>
    </message>
    <message>
        <source>a residual block&apos;s maps are F(x) + x: the block adds a correction to its input, so early in training its maps look much like their input&apos;s.</source>
        <translation>残差块的特征图是 F(x) + x：块在输入上加一个修正，所以训练初期它的特征图和输入的很相像。</translation>
    </message>
    <message>
        <source>&lt;b&gt;What feature maps show&lt;/b&gt;&lt;br&gt;A convolutional layer slides each of its filters over the image. The result of one filter is one &lt;i&gt;feature map&lt;/i&gt; (a channel): bright where the filter found its pattern, dark where it did not.&lt;br&gt;&lt;br&gt;Each tile here is one channel of the chosen layer for the probe image on the left. Every tile is scaled on its own (its lowest value dark, its highest bright), so compare the &lt;i&gt;shapes&lt;/i&gt;, not the brightness between tiles. Click a tile to enlarge it.&lt;br&gt;&lt;br&gt;Early layers find edges and strokes; deeper layers are smaller and react to larger parts of the digit. At the start the maps are blurry copies of the input made by random filters; watch them sharpen into distinct detectors as the network trains. A tile that stays flat is a channel that gives the same value everywhere, e.g. a &quot;dead&quot; ReLU that outputs 0.</source>
        <translation>&lt;b&gt;特征图显示的是什么&lt;/b&gt;&lt;br&gt;卷积层把它的每个卷积核在图像上滑动。一个卷积核的结果就是一张&lt;i&gt;特征图&lt;/i&gt;（一个通道）：卷积核在哪里找到它要找的模式，哪里就亮，没找到的地方暗。&lt;br&gt;&lt;br&gt;这里的每个小块是所选层对左侧探测图像输出的一个通道。每个小块单独缩放（最小值最暗，最大值最亮），所以要比较小块的&lt;i&gt;形状&lt;/i&gt;，而不是它们之间的亮度。点击小块可以放大。&lt;br&gt;&lt;br&gt;前面的层找边缘和笔画；更深的层尺寸更小，对数字中更大的部分作出反应。一开始，特征图是随机卷积核生成的输入的模糊副本；随着网络训练，观察它们逐渐变清晰，成为各不相同的检测器。始终平坦的小块是处处输出同一个值的通道，例如输出恒为 0 的“死” ReLU。</translation>
    </message>
    <message>
        <source>first channels</source>
        <translation>前几个通道</translation>
    </message>
    <message>
        <source>strongest channels</source>
        <translation>最强的通道</translation>
    </message>
    <message>
        <source>Show the first channels of the layer, or those with the largest mean activation for this image</source>
        <translation>显示该层的前几个通道，或对这张图像平均激活最大的通道</translation>
    </message>
    <message>
        <source>probe image</source>
        <translation>探测图像</translation>
    </message>
    <message>
        <source>click a tile</source>
        <translation>点击一个小块</translation>
    </message>
    <message>
        <source>channels</source>
        <translation>通道</translation>
    </message>
    <message>
        <source>activation (each tile: min → max)</source>
        <translation>激活值（每个小块：最小 → 最大）</translation>
    </message>
    <message>
        <source>No feature maps of {layer} in this snapshot yet (step {step}); they come with the next one.</source>
        <translation>这张快照（第 {step} 步）中还没有 {layer} 的特征图；下一张会有。</translation>
    </message>
    <message>
        <source>Pick a layer.</source>
        <translation>请选择一层。</translation>
    </message>
    <message>
        <source>the strongest {k} of {c} channels</source>
        <translation>{c} 个通道中最强的 {k} 个</translation>
    </message>
    <message>
        <source>the first {k} of {c} channels</source>
        <translation>{c} 个通道中的前 {k} 个</translation>
    </message>
    <message>
        <source>all {c} channels</source>
        <translation>全部 {c} 个通道</translation>
    </message>
    <message>
        <source>{layer}: {shown}, {h}×{w} px each</source>
        <translation>{layer}：{shown}，每张 {h}×{w} 像素</translation>
    </message>
    <message>
        <source> (shown averaged down to {h}×{w})</source>
        <translation>（平均缩小到 {h}×{w} 显示）</translation>
    </message>
    <message>
        <source> {dead} of the shown channels are flat (the same value everywhere).</source>
        <translation>显示的通道中有 {dead} 个是平坦的（处处同一个值）。</translation>
    </message>
    <message>
        <source>Layer output: {c} channels × {h}×{w} pixels{small}.{dead}</source>
        <translation>层输出：{c} 个通道 × {h}×{w} 像素{small}。{dead}</translation>
    </message>
    <message>
        <source>click a tile to enlarge it</source>
        <translation>点击小块放大</translation>
    </message>
    <message>
        <source>channel {ch}: {lo} … {hi}&lt;br&gt;(mean {mean})</source>
        <translation>通道 {ch}：{lo} … {hi}&lt;br&gt;（平均 {mean}）</translation>
    </message>
    <message>
        <source>Global average pooling</source>
        <translation>全局平均汇聚层</translation>
    </message>
    <message>
        <source>its last 1×1 layer has one channel per class, so each map is that class&apos;s score map, averaged with no weights at all.</source>
        <translation>它最后的 1×1 卷积层每个类别一个通道，所以每张特征图就是该类别的得分图，直接平均，没有任何权重。</translation>
    </message>
    <message>
        <source>the last maps are averaged, then one fully connected layer scores the classes: the maps shown are class activation maps (its weights × the maps).</source>
        <translation>最后的特征图先被平均，再由一个全连接层算出各类别的得分：这里显示的是类激活图（它的权重 × 特征图）。</translation>
    </message>
    <message>
        <source>the last stage&apos;s maps are averaged, then one fully connected layer scores the classes: the maps shown are class activation maps (its weights × the maps).</source>
        <translation>最后一个阶段的特征图先被平均，再由一个全连接层算出各类别的得分：这里显示的是类激活图（它的权重 × 特征图）。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Why global average pooling&lt;/b&gt;&lt;br&gt;Instead of flattening the last maps into big fully connected layers, the network averages each map into a single number. In NiN the last block has one channel per class, so each map on the left is a &lt;i&gt;score map&lt;/i&gt;: where the network sees evidence for that class. Its average is the class score (logit) on the right, and softmax turns the scores into probabilities.&lt;br&gt;&lt;br&gt;Averaging has &lt;b&gt;no parameters&lt;/b&gt;: nothing to learn, nothing to overfit (AlexNet&apos;s fully connected layers hold over 90 % of its weights). It also does not care &lt;i&gt;where&lt;/i&gt; in the image the evidence is, and it works for any input size.&lt;br&gt;&lt;br&gt;ResNet and GoogLeNet average their last maps and then apply one fully connected layer. Weighting the maps by that layer before averaging gives the same scores: these are the &lt;i&gt;class activation maps&lt;/i&gt; shown for them.&lt;br&gt;&lt;span style=&apos;color:{true_colour}&apos;&gt;■&lt;/span&gt; true class &lt;span style=&apos;color:{pred_colour}&apos;&gt;■&lt;/span&gt; prediction (when wrong)</source>
        <translation>&lt;b&gt;为什么用全局平均汇聚层&lt;/b&gt;&lt;br&gt;网络不再把最后的特征图展平后送进大的全连接层，而是把每张特征图平均成一个数。在 NiN 中，最后一个块每个类别有一个通道，所以左侧的每张图都是一张&lt;i&gt;得分图&lt;/i&gt;：网络在哪里看到了这个类别的证据。它的平均值就是右侧的类别得分（logit），softmax 再把得分变成概率。&lt;br&gt;&lt;br&gt;平均&lt;b&gt;没有参数&lt;/b&gt;：这一层没有要学的东西，也就不会因它而过拟合（AlexNet 的全连接层占了它 90% 以上的权重）。它也不在乎证据出现在图像的&lt;i&gt;哪个位置&lt;/i&gt;，并且适用于任意输入尺寸。&lt;br&gt;&lt;br&gt;ResNet 和 GoogLeNet 先对最后的特征图做平均，再接一个全连接层。在平均之前先用这一层的权重对特征图加权，得到的得分相同：这就是为它们显示的&lt;i&gt;类激活图&lt;/i&gt;。&lt;br&gt;&lt;span style=&apos;color:{true_colour}&apos;&gt;■&lt;/span&gt; 真实类别 &lt;span style=&apos;color:{pred_colour}&apos;&gt;■&lt;/span&gt; 预测（预测错误时）</translation>
    </message>
    <message>
        <source>{network} ends in fully connected layers, not in a global average pool, so there are no class maps to show. Train NiN, GoogLeNet or a ResNet to see them; the Output view shows this network&apos;s scores.</source>
        <translation>{network} 以全连接层结束，而不是全局平均汇聚层，所以没有类别图可显示。训练 NiN、GoogLeNet 或 ResNet 就能看到；“输出”视图显示这个网络的得分。</translation>
    </message>
    <message>
        <source>class maps</source>
        <translation>类别图</translation>
    </message>
    <message>
        <source>evidence</source>
        <translation>证据</translation>
    </message>
    <message>
        <source>average = score (logit), p = softmax</source>
        <translation>平均值 = 得分（logit），p = softmax</translation>
    </message>
    <message>
        <source>No class maps of {layer} in this snapshot yet (step {step}); they come with the next one.</source>
        <translation>这张快照（第 {step} 步）中还没有 {layer} 的类别图；下一张会有。</translation>
    </message>
    <message>
        <source>class activation maps (fc weights × {n} maps)</source>
        <translation>类激活图（全连接层权重 × {n} 张特征图）</translation>
    </message>
    <message>
        <source>score maps, one per class</source>
        <translation>得分图，每个类别一张</translation>
    </message>
    <message>
        <source>{layer}: {what} ({h}×{w} px)</source>
        <translation>{layer}：{what}（{h}×{w} 像素）</translation>
    </message>
    <message>
        <source>{caption}. The {k} scores are the averages of the maps; the pooled vector has {n} values, fed to one fully connected layer.</source>
        <translation>{caption}。这 {k} 个得分是各图的平均值；汇聚后的向量有 {n} 个值，送入一个全连接层。</translation>
    </message>
    <message>
        <source>{caption}. The {k} scores are the averages of the maps, with no weights in between.</source>
        <translation>{caption}。这 {k} 个得分是各图的平均值，中间没有任何权重。</translation>
    </message>
    <message>
        <source>1×1 convolutions</source>
        <translation>1×1 卷积层</translation>
    </message>
    <message>
        <source>every block has two 1×1 layers after its k×k convolution — the &apos;mlpconv&apos; that gives the network its name.</source>
        <translation>每个块在 k×k 卷积层之后有两个 1×1 卷积层——这就是网络名字由来的“mlpconv”。</translation>
    </message>
    <message>
        <source>the 1×1 branch of each Inception block, and the 1×1 reductions before its 3×3 and 5×5 convolutions (fewer channels, far fewer FLOPs).</source>
        <translation>每个 Inception 块的 1×1 分支，以及 3×3 和 5×5 卷积之前的 1×1 降维（通道更少，浮点运算少得多）。</translation>
    </message>
    <message>
        <source>the 1×1 convolutions sit on the shortcuts where the number of channels changes, so that x can be added to F(x).</source>
        <translation>1×1 卷积位于通道数改变处的残差连接上，这样 x 才能与 F(x) 相加。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Why a 1×1 convolution is a fully connected layer&lt;/b&gt;&lt;br&gt;A 1×1 convolution looks at one pixel at a time. At each pixel it takes the vector &lt;b&gt;x&lt;/b&gt; of input channels and computes &lt;b&gt;y = W x + b&lt;/b&gt;: a fully connected layer with &lt;i&gt;out × in&lt;/i&gt; weights, the same &lt;b&gt;W&lt;/b&gt; at every pixel.&lt;br&gt;&lt;br&gt;Click a pixel in the maps on the left: the row above &lt;b&gt;W&lt;/b&gt; is that pixel&apos;s input vector x, the column on its right is the output vector y. Each output is one row of W times x, plus its bias.&lt;br&gt;&lt;br&gt;NiN stacks two of these after every ordinary convolution: a small MLP slid over the image, which keeps the spatial layout that a flattening dense layer would destroy. GoogLeNet uses 1×1 convolutions to shrink, say, 192 channels to 16 before an expensive 5×5 convolution. And W has far fewer weights than a dense layer between the whole flattened maps (see below).</source>
        <translation>&lt;b&gt;为什么 1×1 卷积层就是全连接层&lt;/b&gt;&lt;br&gt;1×1 卷积一次只看一个像素。在每个像素处，它取输入通道组成的向量 &lt;b&gt;x&lt;/b&gt;，计算 &lt;b&gt;y = W x + b&lt;/b&gt;：一个有 &lt;i&gt;输出 × 输入&lt;/i&gt; 个权重的全连接层，每个像素用同一个 &lt;b&gt;W&lt;/b&gt;。&lt;br&gt;&lt;br&gt;点击左侧特征图中的一个像素：&lt;b&gt;W&lt;/b&gt; 上方的一行是该像素的输入向量 x，右侧的一列是输出向量 y。每个输出是 W 的一行乘以 x，再加上它的偏置。&lt;br&gt;&lt;br&gt;NiN 在每个普通卷积层之后堆叠两个这样的层：相当于在图像上滑动的一个小型多层感知机，它保留了空间布局，而展平后的全连接层会破坏这种布局。GoogLeNet 用 1×1 卷积在昂贵的 5×5 卷积之前把比如 192 个降维到 16 个。而且 W 的权重比把整张特征图展平后相连的全连接层少得多（见下方）。</translation>
    </message>
    <message>
        <source>{network} has no 1×1 convolutions. They appear in NiN (its mlpconv blocks), GoogLeNet and the Inception net (the 1×1 branches and reductions) and ResNet (the shortcuts that change the number of channels).</source>
        <translation>{network} 没有 1×1 卷积层。它们出现在 NiN（它的 mlpconv 块）、GoogLeNet 和 Inception 网络（1×1 分支和降维）以及 ResNet（改变通道数的残差连接）中。</translation>
    </message>
    <message>
        <source>input channels</source>
        <translation>输入通道</translation>
    </message>
    <message>
        <source>output channels</source>
        <translation>输出通道</translation>
    </message>
    <message>
        <source>x: input vector at the pixel</source>
        <translation>x：该像素处的输入向量</translation>
    </message>
    <message>
        <source>W (out × in)</source>
        <translation>W（输出 × 输入）</translation>
    </message>
    <message>
        <source>weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>No data for {layer} in this snapshot yet (step {step}); it comes with the next one.</source>
        <translation>这张快照（第 {step} 步）中还没有 {layer} 的数据；下一张会有。</translation>
    </message>
    <message>
        <source>input: {k} of {n} channels (click a pixel)</source>
        <translation>输入：{n} 个通道中的 {k} 个（点击一个像素）</translation>
    </message>
    <message>
        <source>output: {k} of {n} channels</source>
        <translation>输出：{n} 个通道中的 {k} 个</translation>
    </message>
    <message>
        <source> (of {o} × {i})</source>
        <translation>（共 {o} × {i}）</translation>
    </message>
    <message>
        <source>x at pixel ({r}, {c}): {n} input channels (dark low, yellow high)</source>
        <translation>像素 ({r}, {c}) 处的 x：{n} 个输入通道（暗＝低，黄＝高）</translation>
    </message>
    <message>
        <source>{n}×{n} averaged pixels</source>
        <translation>{n}×{n} 个平均后的像素</translation>
    </message>
    <message>
        <source>pixel</source>
        <translation>像素</translation>
    </message>
    <message>
        <source>W·x + b matches the layer&apos;s output at this {area} (largest difference {err}).</source>
        <translation>W·x + b 与该层在这个 {area} 处的输出一致（最大差异 {err}）。</translation>
    </message>
    <message>
        <source>Only {k} of the {n} input channels are shown, so W·x + b over them is a partial sum.</source>
        <translation>只显示了 {n} 个输入通道中的 {k} 个，所以对它们计算的 W·x + b 只是部分和。</translation>
    </message>
    <message>
        <source>, stride {s}</source>
        <translation>，步幅 {s}</translation>
    </message>
    <message>
        <source>{layer}: {i} → {o} channels on a {h}×{w} map{stride}. Output channel {top} is the largest here ({value}). {check} This layer has {params} weights and biases; a fully connected layer between the same maps flattened would need {dense}.</source>
        <translation>{layer}：在 {h}×{w} 的特征图上 {i} → {o} 个通道{stride}。这里输出通道 {top} 最大（{value}）。{check} 这一层有 {params} 个权重和偏置；把同样的特征图展平后用全连接层相连需要 {dense} 个。</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>&lt;b&gt;The network&apos;s answer&lt;/b&gt;&lt;br&gt;The last layer gives one score (&lt;i&gt;logit&lt;/i&gt;) per class. Softmax turns the scores into probabilities: p&lt;sub&gt;k&lt;/sub&gt; = e&lt;sup&gt;z&lt;sub&gt;k&lt;/sub&gt;&lt;/sup&gt; / Σ&lt;sub&gt;j&lt;/sub&gt; e&lt;sup&gt;z&lt;sub&gt;j&lt;/sub&gt;&lt;/sup&gt;. Only the differences between scores matter.&lt;br&gt;&lt;br&gt;Before training every class gets about the same probability (1/10 for ten classes). As the network learns, the true class&apos;s bar should grow and the others shrink.&lt;br&gt;&lt;span style=&apos;color:{true_colour}&apos;&gt;■&lt;/span&gt; true class &lt;span style=&apos;color:{pred_colour}&apos;&gt;■&lt;/span&gt; prediction (when wrong)</source>
        <translation>&lt;b&gt;网络的回答&lt;/b&gt;&lt;br&gt;最后一层为每个类别给出一个得分（&lt;i&gt;logit&lt;/i&gt;）。softmax 把得分变成概率：p&lt;sub&gt;k&lt;/sub&gt; = e&lt;sup&gt;z&lt;sub&gt;k&lt;/sub&gt;&lt;/sup&gt; / Σ&lt;sub&gt;j&lt;/sub&gt; e&lt;sup&gt;z&lt;sub&gt;j&lt;/sub&gt;&lt;/sup&gt;。只有得分之间的差才重要。&lt;br&gt;&lt;br&gt;训练之前，每个类别的概率都差不多（十个类别时约为 1/10）。随着网络学习，真实类别的条应当变长，其他的变短。&lt;br&gt;&lt;span style=&apos;color:{true_colour}&apos;&gt;■&lt;/span&gt; 真实类别 &lt;span style=&apos;color:{pred_colour}&apos;&gt;■&lt;/span&gt; 预测（预测错误时）</translation>
    </message>
    <message>
        <source>scores (logits)</source>
        <translation>得分（logit）</translation>
    </message>
    <message>
        <source>probabilities (softmax)</source>
        <translation>概率（softmax）</translation>
    </message>
    <message>
        <source>Most likely: </source>
        <translation>最可能：</translation>
    </message>
</context>
<context>
    <name>Interrupted</name>
    <message>
        <source>A run is training</source>
        <translation>有训练正在进行</translation>
    </message>
    <message>
        <source>{what} is still training. Quit anyway?</source>
        <translation>{what} 仍在训练。仍要退出吗？</translation>
    </message>
    <message>
        <source>Stopping keeps the epochs it has finished; the next start offers to continue it or open it.</source>
        <translation>停止后会保留已完成的轮；下次启动时可以继续训练或打开它。</translation>
    </message>
    <message>
        <source>Keep training</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <source>Stop and quit</source>
        <translation>停止并退出</translation>
    </message>
    <message>
        <source>Continue it</source>
        <translation>继续训练它</translation>
    </message>
    <message>
        <source>Open it</source>
        <translation>打开它</translation>
    </message>
    <message>
        <source>Hide this message</source>
        <translation>隐藏此消息</translation>
    </message>
    <message>
        <source>The run</source>
        <translation>该训练</translation>
    </message>
    <message>
        <source>The window was closed while &lt;b&gt;{name}&lt;/b&gt; was training: it stopped after {done} of {planned} epochs ({status}).</source>
        <translation>上次关闭窗口时 &lt;b&gt;{name}&lt;/b&gt; 正在训练：它在完成 {planned} 轮中的 {done} 轮后停止（{status}）。</translation>
    </message>
</context>
<context>
    <name>Language</name>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>The window is in this language already.</source>
        <translation>界面已经是这种语言。</translation>
    </message>
</context>
<context>
    <name>LessonCard</name>
    <message>
        <source>Show me</source>
        <translation>带我去看</translation>
    </message>
    <message>
        <source>Bring the view this lesson is about to the front</source>
        <translation>切换到这一课所讲的视图</translation>
    </message>
    <message>
        <source>Hide this lesson</source>
        <translation>隐藏这一课</translation>
    </message>
    <message>
        <source>Check the run</source>
        <translation>检查训练结果</translation>
    </message>
    <message>
        <source>Check the run shown (the last one trained, or the one opened) against this lesson&apos;s checks</source>
        <translation>按这一课的检查项检查所显示的训练结果（最近训练的，或已打开的）</translation>
    </message>
    <message>
        <source>Question:</source>
        <translation>问题：</translation>
    </message>
    <message>
        <source>Predict before you train:</source>
        <translation>训练之前先预测：</translation>
    </message>
    <message>
        <source>what will this run show?</source>
        <translation>这次训练会显示什么？</translation>
    </message>
    <message>
        <source>measured: {value}</source>
        <translation>测得：{value}</translation>
    </message>
    <message>
        <source>{failed} of {total} checks do not hold.</source>
        <translation>{total} 项检查中有 {failed} 项不成立。</translation>
    </message>
    <message>
        <source>The {held} checks measured hold; {missing} could not be measured yet.</source>
        <translation>已测得的 {held} 项检查都成立；还有 {missing} 项暂时无法测量。</translation>
    </message>
    <message>
        <source>The run shows what the lesson says: every check holds.</source>
        <translation>训练结果显示了这一课所说的现象：每一项检查都成立。</translation>
    </message>
    <message>
        <source>You made no prediction.</source>
        <translation>你没有做预测。</translation>
    </message>
    <message>
        <source>You predicted “{choice}”: right.</source>
        <translation>你预测的是“{choice}”：预测正确。</translation>
    </message>
    <message>
        <source>You predicted “{choice}”.</source>
        <translation>你预测的是“{choice}”。</translation>
    </message>
    <message>
        <source>What happened: {expected}.</source>
        <translation>实际发生的是：{expected}。</translation>
    </message>
    <message>
        <source>The lesson expected: {expected}; this run did not show it (see the checks).</source>
        <translation>这一课预期的是：{expected}；这个训练结果没有显示出来（见各项检查）。</translation>
    </message>
    <message>
        <source>Your prediction:</source>
        <translation>你的预测：</translation>
    </message>
    <message>
        <source>Note: the run differs from the lesson: {difference}</source>
        <translation>注意：训练结果与这一课的设置不同：{difference}</translation>
    </message>
</context>
<context>
    <name>LessonPacks</name>
    <message>
        <source>Open a lesson pack</source>
        <translation>打开课程包</translation>
    </message>
    <message>
        <source>Lesson packs (*.toml)</source>
        <translation>课程包 (*.toml)</translation>
    </message>
    <message>
        <source>Could not open that lesson pack</source>
        <translation>无法打开这个课程包</translation>
    </message>
    <message>
        <source>Opened the lesson pack {name}: {count} lesson(s).</source>
        <translation>已打开课程包 {name}：{count} 课。</translation>
    </message>
    <message>
        <source>This run</source>
        <translation>这个训练结果</translation>
    </message>
    <message>
        <source>The opened run {name}</source>
        <translation>已打开的训练结果 {name}</translation>
    </message>
    <message>
        <source>Train the lesson or open a run first (File → Open run…).</source>
        <translation>请先训练这一课，或打开一个训练结果（文件 → 打开训练结果…）。</translation>
    </message>
    <message>
        <source>The last run</source>
        <translation>最近的训练结果</translation>
    </message>
    <message>
        <source>{what}, compared with the run {name}</source>
        <translation>{what}，与训练结果 {name} 比较</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>ConvScope — watch a CNN learn</source>
        <translation>ConvScope——观察卷积神经网络如何学习</translation>
    </message>
    <message>
        <source>Loading the plots…</source>
        <translation>正在加载图表…</translation>
    </message>
    <message>
        <source>Curves</source>
        <translation>曲线</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open run…</source>
        <translation>打开训练结果(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;lesson pack…</source>
        <translation>打开课程包(&amp;L)…</translation>
    </message>
    <message>
        <source>Open a run &amp;file (.convscope)…</source>
        <translation>打开训练结果文件（.convscope）(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>A run is training</source>
        <translation>正在训练</translation>
    </message>
    <message>
        <source>Stop it first (Stop), then open the saved run: every tab shows one run.</source>
        <translation>请先停止训练（“停止”），再打开保存的训练结果：所有标签页一次只显示一个训练。</translation>
    </message>
    <message>
        <source>Could not open that run</source>
        <translation>无法打开该训练结果</translation>
    </message>
    <message>
        <source>Opened run {path} ({arch}, epoch {epoch}).</source>
        <translation>已打开训练结果 {path}（{arch}，第 {epoch} 轮）。</translation>
    </message>
    <message>
        <source>ConvScope could not start training</source>
        <translation>ConvScope 无法开始训练</translation>
    </message>
    <message>
        <source>{message}. Check that PyTorch is installed in this environment (see the README), then restart.</source>
        <translation>{message}。请检查此环境中是否安装了 PyTorch（见 README），然后重新启动。</translation>
    </message>
    <message>
        <source>Start-up failed.</source>
        <translation>启动失败。</translation>
    </message>
    <message>
        <source>Ready: pick a network and a dataset, then press Train.</source>
        <translation>就绪：选择一个网络和一个数据集，然后按“训练”。</translation>
    </message>
    <message>
        <source>data folder {root} does not exist; clear the field to use the default.</source>
        <translation>数据文件夹 {root} 不存在；清空该栏即可使用默认文件夹。</translation>
    </message>
    <message>
        <source>invalid setting: {error}</source>
        <translation>无效的设置：{error}</translation>
    </message>
    <message>
        <source>Available after a run.</source>
        <translation>训练一次之后可用。</translation>
    </message>
    <message>
        <source>Available after a run that finished or was stopped after at least one epoch.</source>
        <translation>需要一次已完成的训练（或至少训练了一轮后才停止的训练）。</translation>
    </message>
    <message>
        <source>The settings changed since the last run: press Train for a new run.</source>
        <translation>自上次训练以来设置已更改：按“训练”开始新的训练。</translation>
    </message>
    <message>
        <source>Stopping: the step under way is dropped, what was trained is kept…</source>
        <translation>正在停止：丢弃进行中的这一步，保留已经训练好的部分…</translation>
    </message>
    <message>
        <source>Resumed.</source>
        <translation>已继续。</translation>
    </message>
    <message>
        <source>Paused — press Resume to go on.</source>
        <translation>已暂停——按“继续”接着训练。</translation>
    </message>
    <message>
        <source>Training {network}: {n_train} training / {n_test} test images, {params} parameters.</source>
        <translation>正在训练 {network}：{n_train} 张训练图像 / {n_test} 张测试图像，{params} 个参数。</translation>
    </message>
    <message>
        <source>Saved to {dir}.</source>
        <translation>已保存到 {dir}。</translation>
    </message>
    <message>
        <source>Learning rate set to {lr}: press Train to try it.</source>
        <translation>学习率已设为 {lr}：按“训练”试试。</translation>
    </message>
    <message>
        <source>Dataset: {name}. Press Train.</source>
        <translation>数据集：{name}。按“训练”。</translation>
    </message>
    <message>
        <source>Not ready yet</source>
        <translation>尚未就绪</translation>
    </message>
    <message>
        <source>Open the lesson pack again once ConvScope has started.</source>
        <translation>ConvScope 启动完成后，请再打开一次课程包。</translation>
    </message>
    <message>
        <source>Stopping the run… the window closes as soon as it has.</source>
        <translation>正在停止训练… 停止后窗口会立即关闭。</translation>
    </message>
</context>
<context>
    <name>ModelSource</name>
    <message>
        <source>Network in training ({arch}, epoch {epoch})</source>
        <translation>训练中的网络（{arch}，第 {epoch} 轮）</translation>
    </message>
    <message>
        <source>Run from disk ({arch}, epoch {epoch})</source>
        <translation>磁盘上的训练结果（{arch}，第 {epoch} 轮）</translation>
    </message>
</context>
<context>
    <name>ModelSummary</name>
    <message>
        <source>The highest test accuracy over the epochs of a run. It is an optimistic figure: picking the epoch by it uses the test set to choose the model, which a validation set should do (d2l 4.4). The last epoch&apos;s test accuracy is the honest one.</source>
        <translation>一次训练中各轮测试准确率的最高值。这是一个偏乐观的数字：按它挑选轮次，等于用测试集来选择模型，而这本应由验证集来做（《动手学深度学习》4.4 节）。最后一轮的测试准确率才是诚实的数字。</translation>
    </message>
</context>
<context>
    <name>ModelSummaryView</name>
    <message>
        <source>The network&apos;s layers appear here once ConvScope has loaded.</source>
        <translation>ConvScope 加载完成后，网络的各层会显示在这里。</translation>
    </message>
    <message>
        <source>layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>share</source>
        <translation>占比</translation>
    </message>
    <message>
        <source>FLOPs</source>
        <translation>FLOPs</translation>
    </message>
    <message>
        <source>forward ms</source>
        <translation>前向 ms</translation>
    </message>
    <message>
        <source>backward ms</source>
        <translation>反向 ms</translation>
    </message>
    <message>
        <source>time share</source>
        <translation>时间占比</translation>
    </message>
    <message>
        <source>kept for backward</source>
        <translation>为反向传播保存</translation>
    </message>
    <message>
        <source>GFLOP/s</source>
        <translation>GFLOP/s</translation>
    </message>
    <message>
        <source>of peak</source>
        <translation>占峰值</translation>
    </message>
    <message>
        <source>Measure</source>
        <translation>测量</translation>
    </message>
    <message>
        <source>Train a copy of this network for a few steps on random images, at its input size and batch size on its device, and time each layer&apos;s forward and backward pass; count the activations each one keeps for the backward pass. Your settings and weights are not changed.</source>
        <translation>在随机图像上把这个网络的副本训练几步（按它的输入尺寸和批量大小，在它的设备上），为每一层的前向和反向传播计时，并统计每一层为反向传播保存的激活。你的设置和权重都不会改变。</translation>
    </message>
    <message>
        <source>Measured: nothing yet. The time and memory columns fill in when you press Measure.</source>
        <translation>尚未测量。按“测量”后，时间和内存各列就会填上。</translation>
    </message>
    <message>
        <source>The architectures on the same input</source>
        <translation>同一输入上的各种架构</translation>
    </message>
    <message>
        <source>architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>input</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>in fully connected layers</source>
        <translation>在全连接层中</translation>
    </message>
    <message>
        <source>images/s</source>
        <translation>张/秒</translation>
    </message>
    <message>
        <source>best test accuracy</source>
        <translation>最佳测试准确率</translation>
    </message>
    <message>
        <source>ms per image</source>
        <translation>每张 ms</translation>
    </message>
    <message>
        <source>peak memory per image</source>
        <translation>每张峰值内存</translation>
    </message>
    <message>
        <source>&lt;b&gt;Why NiN drops the fully connected layers.&lt;/b&gt; AlexNet and VGG end in fully connected layers that hold most of their parameters (orange). NiN replaces them with 1×1 convolutions — a small MLP at every pixel — and a global average pooling that turns each of the last maps into one class score: the same kind of accuracy with a small share of the parameters, and fewer to overfit.</source>
        <translation>&lt;b&gt;NiN 为什么去掉全连接层。&lt;/b&gt;AlexNet 和 VGG 以全连接层结尾，它们的大部分参数都在这些层里（橙色）。NiN 用 1×1 卷积——每个像素上的一个小多层感知机——和全局平均汇聚层代替它们，把最后的每张特征图变成一个类别得分：准确率相当，参数只占一小部分，也更不容易过拟合。</translation>
    </message>
    <message>
        <source>Measured: not this network yet. Press Measure.</source>
        <translation>这个网络尚未测量。请按“测量”。</translation>
    </message>
    <message>
        <source>{kind}: {params} parameters, {flops} FLOPs for one image (a multiply-add counts 2)</source>
        <translation>{kind}：{params} 个参数，每张图像 {flops} 次浮点运算（一次乘加计为 2）</translation>
    </message>
    <message>
        <source>total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>in</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>{name}{what}: {params} parameters, {flops} FLOPs per image of {shape}. Orange: a layer with a fifth of the parameters or more.</source>
        <translation>{name}{what}：{params} 个参数，每张 {shape} 图像 {flops} 次浮点运算。橙色：参数量占整个网络五分之一及以上的层。</translation>
    </message>
    <message>
        <source>the CPU ({n} threads)</source>
        <translation>CPU（{n} 个线程）</translation>
    </message>
    <message>
        <source>Measuring… {percent} % (a few seconds; the network trains a few steps on random images)</source>
        <translation>正在测量… {percent}%（几秒钟；网络在随机图像上训练几步）</translation>
    </message>
    <message>
        <source>Not measured: {reason}</source>
        <translation>未测量：{reason}</translation>
    </message>
    <message>
        <source>Measured on {device}, batch {batch}: one training step takes {step} ms ({lo}–{hi} over {steps} steps), {per_image} ms per image; the layers {rows} ms of it, the optimizer {opt} ms. Kept for backward: {saved}; parameters, gradients and optimizer state: {state}. Matrix-multiply peak: {peak} GFLOP/s.</source>
        <translation>在{device}上测量，批量 {batch}：一个训练步耗时 {step} ms（{steps} 步中 {lo}–{hi}），每张 {per_image} ms；其中各层 {rows} ms，优化器 {opt} ms。为反向传播保存：{saved}；参数、梯度和优化器状态：{state}。矩阵乘法峰值：{peak} GFLOP/s。</translation>
    </message>
    <message>
        <source>The architectures on {dataset}, each at the input size it takes (◀: your settings; —: not measured or trained yet).</source>
        <translation>{dataset} 上的各种架构，各自采用其输入尺寸（◀：你的设置；—：尚未测量或训练）。</translation>
    </message>
    <message>
        <source>this dataset</source>
        <translation>这个数据集</translation>
    </message>
</context>
<context>
    <name>Notices</name>
    <message>
        <source>The loss stays at the level of guessing (ln C) and the accuracy at chance: the network is guessing. The learning rate may be too large (ReLUs died) or too small to escape: try a smaller learning rate, Adam, or BatchNorm. Training goes on.</source>
        <translation>损失停留在随机猜测的水平（ln C），准确率也只是随机水平：网络在猜。学习率可能太大（ReLU “死”了），也可能太小而无法跳出：试试更小的学习率、Adam 或批量规范化。训练继续进行。</translation>
    </message>
    <message>
        <source>Out of memory: the batch size was halved and the epoch starts again (the smaller batch is used for the rest of the run).</source>
        <translation>内存不足：批量大小已减半，本轮重新开始（之后的训练都使用较小的批量）。</translation>
    </message>
    <message>
        <source>Training diverged: the loss became NaN or infinite, or exploded. The learning rate is too large for this network.</source>
        <translation>训练发散：损失变成了 NaN 或无穷大，或者爆炸了。对这个网络来说学习率太大。</translation>
    </message>
    <message>
        <source>These settings cannot train (for example BatchNorm with batches of one).</source>
        <translation>这些设置无法训练（例如批量大小为 1 时使用批量规范化）。</translation>
    </message>
    <message>
        <source>The dataset&apos;s files could not be read (damaged, or not in the expected format).</source>
        <translation>无法读取数据集的文件（文件已损坏，或格式不对）。</translation>
    </message>
    <message>
        <source>The dataset is not on this computer and could not be downloaded.</source>
        <translation>这台计算机上没有该数据集，而且无法下载。</translation>
    </message>
    <message>
        <source>The run folder could not be written (the disk is full or read-only). The trained model is still in memory: free some space or save it to another folder.</source>
        <translation>无法写入训练文件夹（磁盘已满或只读）。训练好的模型仍在内存中：请腾出空间，或把它保存到另一个文件夹。</translation>
    </message>
    <message>
        <source>Another training is writing this run&apos;s folder (it holds the folder&apos;s lock): let it end or stop it, then try again.</source>
        <translation>另一个训练正在写入这个训练结果的文件夹（它持有该文件夹的锁）：等它结束或将它停止，然后再试一次。</translation>
    </message>
    <message>
        <source>An augmentation of this run makes some labels of this dataset wrong (an upside-down 6 is a 9): the network learns from wrong labels. Leave it out for these images. Training goes on.</source>
        <translation>这次训练的某个数据增广会让这个数据集的部分标签出错（上下颠倒的 6 是 9）：网络会从错误的标签中学习。对这些图像请不要使用它。训练继续进行。</translation>
    </message>
    <message>
        <source>The network is being compiled (torch.compile): the first steps take longer, then each step is faster.</source>
        <translation>正在编译网络（torch.compile）：最初几步较慢，之后每一步都更快。</translation>
    </message>
    <message>
        <source>Out of memory, even at the smallest batch size.</source>
        <translation>内存不足，即使用最小的批量大小也不行。</translation>
    </message>
    <message>
        <source>Training stopped because of an error.</source>
        <translation>训练因错误而停止。</translation>
    </message>
    <message>
        <source>Details: {message}</source>
        <translation>详细信息：{message}</translation>
    </message>
    <message>
        <source>The network is stuck at chance: it only guesses</source>
        <translation>网络卡在随机猜测水平：它只是在猜</translation>
    </message>
    <message>
        <source>Out of memory: the batch was halved</source>
        <translation>内存不足：批量已减半</translation>
    </message>
    <message>
        <source>Use lr {lr} next time</source>
        <translation>下次使用学习率 {lr}</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source> Saved to {dir}.</source>
        <translation>已保存到 {dir}。</translation>
    </message>
    <message>
        <source>; test accuracy {acc}</source>
        <translation>；测试准确率 {acc}</translation>
    </message>
    <message>
        <source>Finished: trained {n} epoch(s){acc}.</source>
        <translation>完成：训练了 {n} 轮{acc}。</translation>
    </message>
    <message>
        <source>Stopped after {n} epoch(s).</source>
        <translation>在 {n} 轮后停止。</translation>
    </message>
    <message>
        <source>Training diverged.</source>
        <translation>训练发散。</translation>
    </message>
    <message>
        <source>Training failed.</source>
        <translation>训练失败。</translation>
    </message>
    <message>
        <source>Use lr {lr}</source>
        <translation>使用学习率 {lr}</translation>
    </message>
    <message>
        <source>Diverged — the learning rate is too large</source>
        <translation>发散——学习率太大</translation>
    </message>
    <message>
        <source> Other fixes: Adam instead of SGD, BatchNorm, or a warm-up schedule (one-cycle).</source>
        <translation>其他解决办法：用 Adam 代替 SGD、使用批量规范化，或使用带预热的调度（单周期）。</translation>
    </message>
    <message>
        <source>The run could not be saved</source>
        <translation>无法保存训练结果</translation>
    </message>
    <message>
        <source>Save to another folder…</source>
        <translation>保存到另一个文件夹…</translation>
    </message>
    <message>
        <source>Use the offline sample</source>
        <translation>使用离线样本</translation>
    </message>
    <message>
        <source>Dataset not found</source>
        <translation>找不到数据集</translation>
    </message>
    <message>
        <source>Training failed</source>
        <translation>训练失败</translation>
    </message>
    <message>
        <source> Train on its offline sample instead, or set the data folder to one that holds the files.</source>
        <translation>请改用它的离线样本训练，或者把数据文件夹设为存放这些文件的文件夹。</translation>
    </message>
    <message>
        <source> Set the data folder to one that holds the files.</source>
        <translation>请把数据文件夹设为存放这些文件的文件夹。</translation>
    </message>
    <message>
        <source>{name} is not on this computer and was not downloaded, so nothing was trained.{instead}</source>
        <translation>这台计算机上没有 {name}，也没有下载，所以什么都没有训练。{instead}</translation>
    </message>
    <message>
        <source>Could not start training</source>
        <translation>无法开始训练</translation>
    </message>
    <message>
        <source> Lower the batch size, use a smaller width, or train on the CPU.</source>
        <translation>请减小批量大小、使用更小的宽度，或在 CPU 上训练。</translation>
    </message>
    <message>
        <source> The Log tab has the details.</source>
        <translation>详细信息见“日志”标签页。</translation>
    </message>
    <message>
        <source>A live view could not attach to this run</source>
        <translation>一个实时视图无法连接到这次训练</translation>
    </message>
    <message>
        <source>{error}. Training goes on without it.</source>
        <translation>{error}。训练照常继续（不含该视图）。</translation>
    </message>
</context>
<context>
    <name>OpenedRun</name>
    <message>
        <source>Continue training</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <source>The run has trained {done} of its {planned} epochs. Train it to how many epochs in total?</source>
        <translation>这个训练结果已训练了计划的 {planned} 轮中的 {done} 轮。要把它训练到总共多少轮？</translation>
    </message>
    <message>
        <source>{name} cannot be continued: {why}. It still opens for prediction.</source>
        <translation>{name} 无法继续训练：{why}。它仍可打开用于预测。</translation>
    </message>
    <message>
        <source>Open a saved run</source>
        <translation>打开保存的训练结果</translation>
    </message>
    <message>
        <source>Open a run file</source>
        <translation>打开训练结果文件</translation>
    </message>
    <message>
        <source>ConvScope runs (*.convscope)</source>
        <translation>ConvScope 训练结果 (*.convscope)</translation>
    </message>
    <message>
        <source>the run saved no snapshots</source>
        <translation>这次训练没有保存快照</translation>
    </message>
</context>
<context>
    <name>PredictionView</name>
    <message>
        <source>Grad-CAM: the parts of the input that raised the score of the answer</source>
        <translation>Grad-CAM：输入中提高了该回答得分的部分</translation>
    </message>
    <message>
        <source>What the network sees</source>
        <translation>网络看到的</translation>
    </message>
    <message>
        <source>Where it looked</source>
        <translation>它看了哪里</translation>
    </message>
    <message>
        <source>Show inside</source>
        <translation>查看内部</translation>
    </message>
    <message>
        <source>Use this drawing as the probe image of the feature-map views</source>
        <translation>把这幅画用作特征图视图的探测图像</translation>
    </message>
    <message>
        <source>&lt;b&gt;No model yet.&lt;/b&gt; Train a network (the Train button), or open a saved run (File → Open run…).</source>
        <translation>&lt;b&gt;还没有模型。&lt;/b&gt;按“训练”训练一个网络，或打开保存的训练结果（文件 → 打开训练结果…）。</translation>
    </message>
    <message>
        <source>Model — {model}</source>
        <translation>模型——{model}</translation>
    </message>
    <message>
        <source>sure</source>
        <translation>很有把握</translation>
    </message>
    <message>
        <source>fairly sure</source>
        <translation>比较有把握</translation>
    </message>
    <message>
        <source>unsure</source>
        <translation>没有把握</translation>
    </message>
    <message>
        <source>{h}×{w} input</source>
        <translation>{h}×{w} 输入</translation>
    </message>
    <message>
        <source>, resized to {h}×{w}</source>
        <translation>，缩放到 {h}×{w}</translation>
    </message>
    <message>
        <source>Grad-CAM for “{name}”</source>
        <translation>“{name}”的 Grad-CAM</translation>
    </message>
    <message>
        <source>Grad-CAM of the class “{name}” on layer {layer}: the parts of the input that raised its score</source>
        <translation>类别“{name}”在 {layer} 层上的 Grad-CAM：输入中提高了它的得分的部分</translation>
    </message>
    <message>
        <source>Grad-CAM is coarse here: it weighs the {h}×{w} maps of layer {layer}, so each of their cells covers about {k}×{k} pixels of the {H}×{W} input. It marks regions, not single strokes, and can light up the background next to them.</source>
        <translation>这里的 Grad-CAM 较粗：它加权的是层 {layer} 的 {h}×{w} 特征图，每个格子约对应 {H}×{W} 输入中的 {k}×{k} 像素。它标出的是区域而不是单个笔画，也可能照亮笔画旁边的背景。</translation>
    </message>
    <message>
        <source>run: {source}, epoch {epoch}</source>
        <translation>训练结果：{source}，第 {epoch} 轮</translation>
    </message>
    <message>
        <source>live: {arch}, epoch {epoch}</source>
        <translation>实时：{arch}，第 {epoch} 轮</translation>
    </message>
    <message>
        <source>Draw a digit on the canvas.</source>
        <translation>在画布上画一个数字。</translation>
    </message>
    <message>
        <source>Draw a piece of clothing on the canvas, or use a test sample.</source>
        <translation>在画布上画一件服饰，或使用测试样本。</translation>
    </message>
    <message>
        <source>Load an image or use a test sample.</source>
        <translation>载入图像或使用测试样本。</translation>
    </message>
    <message>
        <source>The drawing cropped, scaled to a 20-px box and centred on its centre of mass in 28×28, as MNIST&apos;s digits were: this is the network&apos;s input</source>
        <translation>像 MNIST 的数字那样，把画裁剪、缩放到 20 像素的方框内，并按质心居中放在 28×28 中：这就是网络的输入</translation>
    </message>
    <message>
        <source>The drawing cropped, scaled to fill {size}×{size} and centred, as Fashion-MNIST&apos;s images were: this is the network&apos;s input</source>
        <translation>像 Fashion-MNIST 的图像那样，把画裁剪、缩放到填满 {size}×{size} 并居中：这就是网络的输入</translation>
    </message>
    <message>
        <source>The photo resized whole to {size}×{size}, as the training images were: this is the network&apos;s input</source>
        <translation>像训练图像那样，把整张照片缩放到 {size}×{size}：这就是网络的输入</translation>
    </message>
</context>
<context>
    <name>RaceDifference</name>
    <message>
        <source>Test images right by</source>
        <translation>测试图像：答对的网络</translation>
    </message>
    <message>
        <source>and never right by</source>
        <translation>从未答对的网络</translation>
    </message>
    <message>
        <source>Choose two different networks.</source>
        <translation>请选择两个不同的网络。</translation>
    </message>
    <message>
        <source>{n} test image(s) {a} gets right and {b} never did.</source>
        <translation>{n} 张测试图像 {a} 答对了，而 {b} 从未答对。</translation>
    </message>
    <message>
        <source>test image #{i}</source>
        <translation>测试图像 #{i}</translation>
    </message>
</context>
<context>
    <name>RaceView</name>
    <message>
        <source>The table times how long each network trains until its test accuracy first reaches this.</source>
        <translation>表格记录每个网络要训练多久，测试准确率才第一次达到这个值。</translation>
    </message>
    <message>
        <source>Start the race</source>
        <translation>开始比赛</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Tick two or more networks. Each trains in turn with the dataset, epochs, training images and seed of the settings on the left.</source>
        <translation>勾选两个或更多网络。它们依次用左侧设置中的数据集、轮数、训练图像和随机种子进行训练。</translation>
    </message>
    <message>
        <source>Networks</source>
        <translation>网络</translation>
    </message>
    <message>
        <source>Target test accuracy</source>
        <translation>目标测试准确率</translation>
    </message>
    <message>
        <source>test accuracy (%)</source>
        <translation>测试准确率（%）</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>轮（epoch）</translation>
    </message>
    <message>
        <source>network</source>
        <translation>网络</translation>
    </message>
    <message>
        <source>status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>FLOPs</source>
        <translation>FLOPs</translation>
    </message>
    <message>
        <source>images/s</source>
        <translation>张/秒</translation>
    </message>
    <message>
        <source>time to target</source>
        <translation>达到目标的用时</translation>
    </message>
    <message>
        <source>best test accuracy</source>
        <translation>最佳测试准确率</translation>
    </message>
    <message>
        <source>{s} s (epoch {e})</source>
        <translation>{s} 秒（第 {e} 轮）</translation>
    </message>
    <message>
        <source>not reached</source>
        <translation>未达到</translation>
    </message>
    <message>
        <source>Race</source>
        <translation>比赛</translation>
    </message>
    <message>
        <source>Tick two or more networks to race.</source>
        <translation>勾选两个或更多网络来比赛。</translation>
    </message>
    <message>
        <source>Racing: {name} ({i} of {n})…</source>
        <translation>比赛中：{name}（第 {i} 个，共 {n} 个）…</translation>
    </message>
    <message>
        <source>{arch} could not start with these settings; the race goes on without it.</source>
        <translation>{arch} 无法用这些设置开始训练；比赛跳过它继续进行。</translation>
    </message>
    <message>
        <source>Race over: {n} networks, fastest to {target:.0f} % first.</source>
        <translation>比赛结束：{n} 个网络，最快达到 {target:.0f}% 的排在最前。</translation>
    </message>
</context>
<context>
    <name>ReceptiveField</name>
    <message>
        <source>Receptive field: click a pixel of any channel to see what part of the image that unit sees (cyan box) and what it really uses (heat).</source>
        <translation>感受野：点击任一通道中的一个像素，看这个单元能看到图像的哪一部分（青色框），以及它实际用到了哪些像素（热图）。</translation>
    </message>
    <message>
        <source>Compare with…</source>
        <translation>对比……</translation>
    </message>
    <message>
        <source>Put the same relative layer of another architecture beside this one: the fields, the weights that make them and the effective fields on the same images.</source>
        <translation>把另一个架构中相对深度相同的层放在这一层旁边：对比感受野、形成感受野的权重，以及在同样图像上的有效感受野。</translation>
    </message>
    <message>
        <source>training step</source>
        <translation>训练步数</translation>
    </message>
    <message>
        <source>radius (px)</source>
        <translation>半径（像素）</translation>
    </message>
    <message>
        <source>r50</source>
        <translation>r50</translation>
    </message>
    <message>
        <source>r90</source>
        <translation>r90</translation>
    </message>
    <message>
        <source>r50, centre (recorded)</source>
        <translation>r50，中心（记录）</translation>
    </message>
    <message>
        <source>r90, centre (recorded)</source>
        <translation>r90，中心（记录）</translation>
    </message>
    <message>
        <source>Solid: the unit you clicked, measured while this view was shown. Dashed: the layer&apos;s centre unit (all channels), recorded with the run&apos;s snapshots while it trained, so an opened run shows how its field changed.</source>
        <translation>实线：你点击的单元，在显示本视图时测量。虚线：该层的中心单元（所有通道），训练时随运行的快照一起记录，因此打开的运行也能显示它的感受野如何变化。</translation>
    </message>
    <message>
        <source>layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>stride</source>
        <translation>步幅</translation>
    </message>
    <message>
        <source>Every probe layer: its theoretical receptive field (size and stride in input pixels) and the radii holding 50 % and 90 % of its centre unit&apos;s effective field.</source>
        <translation>每个探测层：它的理论感受野（以输入像素计的大小和步幅），以及其中心单元的有效感受野中 50% 和 90% 的权重所在的半径。</translation>
    </message>
    <message>
        <source>{layer}, channel {c}, row {y}, column {x}: computing its receptive field…</source>
        <translation>{layer}，通道 {c}，第 {y} 行，第 {x} 列：正在计算它的感受野…</translation>
    </message>
    <message>
        <source>Could not compute the receptive field: {error}</source>
        <translation>无法计算感受野：{error}</translation>
    </message>
    <message>
        <source>{layer}, channel {c}, row {y}, column {x}: it can see {sy}×{sx} input pixels (cyan box; neighbouring units are {stride} px apart). Its effective field (heat, averaged over {n} test images) holds 50 % of its weight within {r50} px of the centre and 90 % within {r90} px; {inside} of it lies in the box.</source>
        <translation>{layer}，通道 {c}，第 {y} 行，第 {x} 列：它能看到 {sy}×{sx} 个输入像素（青色框；相邻单元相隔 {stride} 像素）。它的有效感受野（热图，在 {n} 张测试图像上取平均）有 50% 的权重落在距中心 {r50} 像素以内，90% 落在 {r90} 像素以内；其中 {inside} 位于框内。</translation>
    </message>
    <message>
        <source>{layer}, channel {c}, row {y}, column {x}: it can see {sy}×{sx} input pixels (cyan box; neighbouring units are {stride} px apart), but on these {n} test images no pixel changes it: it is switched off (zero) on every one of them, so it has no effective field. Click another channel or position.</source>
        <translation>{layer}，通道 {c}，第 {y} 行，第 {x} 列：它能看到 {sy}×{sx} 输入像素（青色框；相邻单元相隔 {stride} 像素），但在这 {n} 张测试图像上没有任何像素能改变它：它在每一张图像上都处于关闭状态（输出为零），所以没有有效感受野。请点击其他通道或位置。</translation>
    </message>
</context>
<context>
    <name>Rescue</name>
    <message>
        <source>epoch {last}</source>
        <translation>第 {last} 轮</translation>
    </message>
    <message>
        <source>epochs {first}–{last}</source>
        <translation>第 {first}–{last} 轮</translation>
    </message>
    <message>
        <source>Save the run to another folder</source>
        <translation>把训练结果保存到另一个文件夹</translation>
    </message>
    <message>
        <source>The run could not be saved there</source>
        <translation>无法把训练结果保存到那里</translation>
    </message>
    <message>
        <source>Save to another folder…</source>
        <translation>保存到另一个文件夹…</translation>
    </message>
    <message>
        <source>Run saved</source>
        <translation>训练结果已保存</translation>
    </message>
    <message>
        <source>{epochs} and the model are in {dir}. “+1 epoch” goes on writing there.</source>
        <translation>{epochs}和模型保存在 {dir}。“+1 轮”会继续写入那里。</translation>
    </message>
    <message>
        <source>Save the trained model?</source>
        <translation>保存训练好的模型吗？</translation>
    </message>
    <message>
        <source>The run directory could not be written, so {epochs} of the last run exist only in memory. Save the run to another folder before closing?</source>
        <translation>无法写入训练文件夹，所以上次训练的{epochs}只存在于内存中。关闭之前把训练结果保存到另一个文件夹吗？</translation>
    </message>
</context>
<context>
    <name>RunLine</name>
    <message>
        <source>No run shown yet: press Train, or open a saved run (File → Open run…, or the Runs tab).</source>
        <translation>还没有显示任何训练：按“训练”，或打开保存的训练结果（文件 → 打开训练结果…，或“训练结果”标签页）。</translation>
    </message>
    <message>
        <source>Train the opened run further in its own folder, from its last finished epoch, with its own settings; its curves go on where they stopped.</source>
        <translation>从打开的训练结果最后完成的一轮起，在它自己的文件夹中、用它自己的设置继续训练；它的曲线从停下的地方接着画。</translation>
    </message>
    <message>
        <source>Continue training</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <source>Showing run &lt;b&gt;{name}&lt;/b&gt; (opened from {file}, read-only)</source>
        <translation>显示训练结果 &lt;b&gt;{name}&lt;/b&gt;（从 {file} 打开，只读）</translation>
    </message>
    <message>
        <source>Showing run &lt;b&gt;{name}&lt;/b&gt; (opened)</source>
        <translation>显示训练结果 &lt;b&gt;{name}&lt;/b&gt;（已打开）</translation>
    </message>
    <message>
        <source> · {network} on {dataset} · {params} parameters · {epoch} of {epochs} epochs · {status}</source>
        <translation> · {dataset} 上的 {network} · {params} 个参数 · 已训练 {epoch} / {epochs} 轮 · {status}</translation>
    </message>
    <message>
        <source>Copy to my runs</source>
        <translation>复制到我的训练结果</translation>
    </message>
    <message>
        <source>A run opened from a .convscope file is read-only: copy it into your runs folder to train it further.</source>
        <translation>从 .convscope 文件打开的训练结果是只读的：把它复制到你的训练结果文件夹，才能继续训练。</translation>
    </message>
    <message>
        <source>Showing the last run ({status}, 1 epoch)</source>
        <translation>显示上一次训练（{status}，1 轮）</translation>
    </message>
    <message>
        <source>Showing the last run ({status}, {n} epochs)</source>
        <translation>显示上一次训练（{status}，{n} 轮）</translation>
    </message>
    <message>
        <source> · saved in {name}</source>
        <translation> · 保存在 {name}</translation>
    </message>
    <message>
        <source> · not saved</source>
        <translation> · 未保存</translation>
    </message>
    <message>
        <source> · continuing {name} from epoch {epoch}</source>
        <translation> · 从第 {epoch} 轮起继续训练 {name}</translation>
    </message>
    <message>
        <source> · {network} on {dataset}</source>
        <translation> · {dataset} 上的 {network}</translation>
    </message>
    <message>
        <source>Showing the run in training</source>
        <translation>显示正在进行的训练</translation>
    </message>
</context>
<context>
    <name>RunProgress</name>
    <message>
        <source>Not started</source>
        <translation>未开始</translation>
    </message>
    <message>
        <source>Opened run · {done} of {planned} epoch(s) trained · {status}</source>
        <translation>已打开的训练结果 · 已训练 {done} / {planned} 轮 · {status}</translation>
    </message>
    <message>
        <source>Loading the data and building the network…</source>
        <translation>正在加载数据并构建网络…</translation>
    </message>
    <message>
        <source>Epoch {epoch}/{end} · starting…</source>
        <translation>第 {epoch}/{end} 轮 · 正在开始…</translation>
    </message>
    <message>
        <source>Epoch {epoch}/{end} · step {step}/{steps} · {rate} images/s · {left} left</source>
        <translation>第 {epoch}/{end} 轮 · 第 {step}/{steps} 步 · {rate} 张/秒 · 剩余 {left}</translation>
    </message>
    <message>
        <source>Paused · </source>
        <translation>已暂停 · </translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <source>Done · {n} epoch(s)</source>
        <translation>完成 · {n} 轮</translation>
    </message>
    <message>
        <source> · test accuracy {acc} %</source>
        <translation> · 测试准确率 {acc}%</translation>
    </message>
    <message>
        <source>Stopped · {n} epoch(s) done</source>
        <translation>已停止 · 完成 {n} 轮</translation>
    </message>
    <message>
        <source>Diverged</source>
        <translation>发散</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>RunShown</name>
    <message>
        <source> The timeline replays what it recorded while it trained.</source>
        <translation>时间线会重放它训练时记录的内容。</translation>
    </message>
    <message>
        <source>Cannot look inside run {name} with a new probe image: {error}</source>
        <translation>无法用新的探测图像查看训练结果 {name} 的内部：{error}</translation>
    </message>
    <message>
        <source>This run cannot be continued</source>
        <translation>这个训练结果无法继续训练</translation>
    </message>
    <message>
        <source>Could not copy the run</source>
        <translation>无法复制训练结果</translation>
    </message>
    <message>
        <source>{file} could not be copied into {root}: {error}</source>
        <translation>无法把 {file} 复制到 {root}：{error}</translation>
    </message>
    <message>
        <source>Copied to your runs</source>
        <translation>已复制到你的训练结果</translation>
    </message>
    <message>
        <source>The run is now {folder} in your runs folder: Continue training trains it further.</source>
        <translation>这个训练结果现在是你的训练结果文件夹中的 {folder}：点击“继续训练”可以接着训练。</translation>
    </message>
    <message>
        <source>Cannot continue that run</source>
        <translation>无法继续这次训练</translation>
    </message>
</context>
<context>
    <name>RunStatus</name>
    <message>
        <source>running</source>
        <translation>训练中</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>diverged</source>
        <translation>已发散</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <source>damaged</source>
        <translation>已损坏</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
</context>
<context>
    <name>RunsBrowser</name>
    <message>
        <source>Run</source>
        <translation>训练结果</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>轮数（epoch）</translation>
    </message>
    <message>
        <source>Best test accuracy</source>
        <translation>最佳测试准确率</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>test accuracy (%)</source>
        <translation>测试准确率（%）</translation>
    </message>
    <message>
        <source>test loss</source>
        <translation>测试损失</translation>
    </message>
    <message>
        <source>train loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>train accuracy (%)</source>
        <translation>训练准确率（%）</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Delete these run folders and everything in them?

{listed}

This cannot be undone.</source>
        <translation>删除这些训练结果文件夹及其中的全部内容？

{listed}

此操作无法撤销。</translation>
    </message>
    <message>
        <source>Delete runs</source>
        <translation>删除训练结果</translation>
    </message>
    <message>
        <source>Rename run</source>
        <translation>重命名训练结果</translation>
    </message>
    <message>
        <source>New folder name:</source>
        <translation>新的文件夹名称：</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Show the selected run in every tab</source>
        <translation>在所有标签页中显示所选的训练结果</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Rename the selected run&apos;s folder</source>
        <translation>重命名所选训练结果的文件夹</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Delete the selected run&apos;s folder (asks first)</source>
        <translation>删除所选训练结果的文件夹（会先询问）</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Read the runs folder again</source>
        <translation>重新读取训练结果文件夹</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>轮（epoch）</translation>
    </message>
    <message>
        <source>Tick runs in the first column to compare their curves here.</source>
        <translation>勾选第一列中的训练结果，即可在这里比较它们的曲线。</translation>
    </message>
    <message>
        <source>Compare:</source>
        <translation>比较：</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>训练结果</translation>
    </message>
    <message>
        <source>Runs folder: {root}</source>
        <translation>训练结果文件夹：{root}</translation>
    </message>
    <message>
        <source> — no runs yet: press Train, or &apos;python main.py train --out&apos; a folder here.</source>
        <translation>——还没有训练结果：按“训练”，或用 &apos;python main.py train --out&apos; 把训练保存到这里的一个文件夹中。</translation>
    </message>
    <message>
        <source>{name} is being written by the run in training: stop it first.</source>
        <translation>正在进行的训练正在写入 {name}：请先停止它。</translation>
    </message>
    <message>
        <source>Renamed {old} to {new}.</source>
        <translation>已将 {old} 重命名为 {new}。</translation>
    </message>
    <message>
        <source>Deleted {name}.</source>
        <translation>已删除 {name}。</translation>
    </message>
    <message>
        <source>1 run compared; untick to remove.</source>
        <translation>正在比较 1 个训练结果；取消勾选即可移除。</translation>
    </message>
    <message>
        <source>{n} runs compared; untick to remove.</source>
        <translation>正在比较 {n} 个训练结果；取消勾选即可移除。</translation>
    </message>
</context>
<context>
    <name>SettingsColumn</name>
    <message>
        <source>Train a new network with these settings (Ctrl+Enter)</source>
        <translation>用这些设置训练一个新网络（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>Train the last network one more epoch, from where it stopped</source>
        <translation>从上次停下的地方，把上一个网络再训练一轮</translation>
    </message>
    <message>
        <source>Loading PyTorch…</source>
        <translation>正在加载 PyTorch…</translation>
    </message>
    <message>
        <source>▶  Train</source>
        <translation>▶  训练</translation>
    </message>
    <message>
        <source>❚❚  Pause</source>
        <translation>❚❚  暂停</translation>
    </message>
    <message>
        <source>Pause within a second; press again to resume</source>
        <translation>在一秒内暂停；再按一次继续</translation>
    </message>
    <message>
        <source>Stop within a second (the step under way is dropped; the epochs done so far are kept)</source>
        <translation>在一秒内停止（丢弃进行中的这一步；保留已完成的轮次）</translation>
    </message>
    <message>
        <source>■  Stop</source>
        <translation>■  停止</translation>
    </message>
    <message>
        <source>+1 epoch</source>
        <translation>+1 轮</translation>
    </message>
    <message>
        <source>▶  Resume</source>
        <translation>▶  继续</translation>
    </message>
    <message>
        <source>Fix the setting shown in red first.</source>
        <translation>请先修正红色显示的设置。</translation>
    </message>
</context>
<context>
    <name>ShareBars</name>
    <message>
        <source>parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>FLOPs</source>
        <translation>FLOPs</translation>
    </message>
    <message>
        <source>time (forward + backward)</source>
        <translation>时间（前向 + 反向）</translation>
    </message>
    <message>
        <source>kept for backward</source>
        <translation>为反向传播保存</translation>
    </message>
    <message>
        <source>convolutions</source>
        <translation>卷积</translation>
    </message>
    <message>
        <source>fully connected</source>
        <translation>全连接层</translation>
    </message>
    <message>
        <source>batch norm</source>
        <translation>批量规范化</translation>
    </message>
    <message>
        <source>pooling, activations, other</source>
        <translation>汇聚、激活及其他</translation>
    </message>
</context>
<context>
    <name>Startup</name>
    <message>
        <source>Apple GPU (MPS)</source>
        <translation>Apple GPU（MPS）</translation>
    </message>
    <message>
        <source>CPU, {n} threads</source>
        <translation>CPU，{n} 个线程</translation>
    </message>
    <message>
        <source>auto ({hardware})</source>
        <translation>自动（{hardware}）</translation>
    </message>
    <message>
        <source>CPU ({n} threads)</source>
        <translation>CPU（{n} 个线程）</translation>
    </message>
    <message>
        <source>GPU (none found)</source>
        <translation>GPU（未找到）</translation>
    </message>
    <message>
        <source>Apple GPU (none found)</source>
        <translation>Apple GPU（未找到）</translation>
    </message>
    <message>
        <source>{full} is not on this computer: this preset trains on the offline {small} ({n} real images) instead; download the full set (pick it in the dataset list) for the notes&apos; figures.</source>
        <translation>这台计算机上没有 {full}：此预设改用离线 {small}（{n} 张真实图像）训练；要得到与笔记一致的结果，请下载完整数据集（在数据集列表中选择它）。</translation>
    </message>
</context>
<context>
    <name>TimelineBar</name>
    <message>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <source>Drag to a step of the run: the curves, the inside views, layer health and the confusion matrix show that moment. Live returns to now.</source>
        <translation>拖到训练中的某一步：曲线、网络内部视图、层健康状况和混淆矩阵都显示那一刻。“实时”回到现在。</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Play the run from its first recorded step (Space)</source>
        <translation>从记录的第一步开始播放这次训练（空格键）</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <source>Show the run now (Alt+End)</source>
        <translation>显示训练的现在（Alt+End）</translation>
    </message>
    <message>
        <source>nothing recorded yet</source>
        <translation>尚无记录</translation>
    </message>
    <message>
        <source>live · {n} moments recorded, the last at step {step}</source>
        <translation>实时 · 已记录 {n} 个时刻，最近一个在第 {step} 步</translation>
    </message>
    <message>
        <source>step {step} of {last}</source>
        <translation>第 {step} 步（共 {last} 步）</translation>
    </message>
    <message>
        <source> · epoch {epoch}</source>
        <translation> · 第 {epoch} 轮</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
</context>
<context>
    <name>Tooltips</name>
    <message>
        <source>Experiments from the course notes, loaded in one click: a network, a dataset and settings known to work (or, for a lesson, known to fail). Change any setting afterwards.</source>
        <translation>课程笔记中的实验，一键载入：一个网络、一个数据集和已知可行的设置（课程则可能是已知会失败的设置）。之后可以修改任何设置。</translation>
    </message>
    <message>
        <source>The network to train, grouped by family from LeNet (1998) to ResNet (2015). Later networks are deeper and usually more accurate, but much slower to train on a CPU. Hover an entry for its description.</source>
        <translation>要训练的网络，按家族分组，从 LeNet（1998）到 ResNet（2015）。越新的网络越深，通常也越准确，但在 CPU 上训练慢得多。把鼠标停在某一项上可以看到它的说明。</translation>
    </message>
    <message>
        <source>Input size: the size the images are given to the network. Native keeps the dataset&apos;s own 28 or 32 px (fast). d2l resizes them as the book does (224 or 96 px) so the big networks fit: more computation per image, much slower on a CPU.</source>
        <translation>输入尺寸：图像送入网络时的大小。原始尺寸保留数据集自身的 28 或 32 像素（快）。d2l 像书中那样缩放图像（224 或 96 像素），以适配大网络：每张图像的计算量更大，在 CPU 上慢得多。</translation>
    </message>
    <message>
        <source>Width: multiplies the number of channels of every layer. Smaller (0.5) trains about 3× faster but can learn less; larger can learn more detail but is slower and overfits more easily on little data.</source>
        <translation>宽度：每一层的通道数乘以这个倍数。更小（0.5）训练约快 3 倍，但能学到的更少；更大能学到更多细节，但更慢，数据少时更容易过拟合。</translation>
    </message>
    <message>
        <source>BatchNorm normalises each layer&apos;s outputs over the batch, which lets deep networks train faster and with larger learning rates. Without it a deep network may learn slowly or not at all.</source>
        <translation>批量规范化（BatchNorm）在小批量上规范化每一层的输出，让深层网络训练得更快，并能使用更大的学习率。没有它，深层网络可能学得很慢，甚至学不动。</translation>
    </message>
    <message>
        <source>Dropout: the fraction of units switched off at random at every training step, so the network cannot rely on any single one. It fights overfitting; too much (above about 0.5) and the network learns slowly or underfits.</source>
        <translation>暂退法（dropout）：每个训练步中随机关闭的单元比例，让网络不能依赖任何单个单元。它可以对抗过拟合；太大（超过约 0.5）时网络学得慢，或者欠拟合。</translation>
    </message>
    <message>
        <source>Skip connections (ResNet): each block adds its input to its output, so the signal and the gradient pass through deep stacks. Off gives the plain stack of layers, which trains worse as it gets deeper.</source>
        <translation>残差连接（ResNet）：每个块把输入加到输出上，让信号和梯度能穿过很深的层堆叠。关闭后就是普通的层堆叠，层数越深训练得越差。</translation>
    </message>
    <message>
        <source>1×n + n×1 convolutions (Inception v3): every n×n convolution inside the Inception blocks becomes a 1×n convolution followed by an n×1 one. Each unit still sees n×n pixels of its input (the same receptive field), with fewer weights: the 5×5 branch&apos;s 16·24·25 = 9,600 become 16·24·5 + 24·24·5 = 4,800.</source>
        <translation>1×n + n×1 卷积（Inception v3）：Inception 块中的每个 n×n 卷积层都换成一个 1×n 卷积层再接一个 n×1 卷积层。每个单元仍然看到输入上 n×n 个像素（感受野不变），但权重更少：5×5 分支的 16·24·25 = 9,600 个权重变成 16·24·5 + 24·24·5 = 4,800 个。</translation>
    </message>
    <message>
        <source>Activation: the non-linearity after each layer. ReLU (max(0, x)) trains fast; the sigmoid of the 1998 LeNet saturates, so its gradients get small and it learns more slowly, especially in deep networks.</source>
        <translation>激活函数：每一层之后的非线性。ReLU（max(0, x)）训练快；1998 年 LeNet 使用的 sigmoid 会饱和，梯度变小，所以学得更慢，深层网络尤其如此。</translation>
    </message>
    <message>
        <source>The images to learn from. The offline samples are small and need no download; the full datasets (MNIST, Fashion-MNIST, CIFAR-10) are downloaded once. Or train on your own images (a folder with one sub-folder per class).</source>
        <translation>用来学习的图像。离线样本很小，无需下载；完整数据集（MNIST、Fashion-MNIST、CIFAR-10）只需下载一次。也可以用你自己的图像训练（一个文件夹，每个类别一个子文件夹）。</translation>
    </message>
    <message>
        <source>Data folder: where the dataset&apos;s files are, in torchvision&apos;s layout (e.g. DIR/MNIST/raw/…), or your own images as DIR/&lt;class&gt;/&lt;image&gt;. Leave it empty for the default folder; the offline samples need none.</source>
        <translation>数据文件夹：数据集文件所在的位置，采用 torchvision 的目录结构（例如 DIR/MNIST/raw/…），或者你自己的图像，按 DIR/&lt;类别&gt;/&lt;图像&gt; 存放。留空则使用默认文件夹；离线样本不需要。</translation>
    </message>
    <message>
        <source>Train on a random subset of this many training images (the same ones for the same seed). Fewer images make shorter epochs for quick experiments, but the network sees less and overfits sooner; 0 uses them all.</source>
        <translation>只用这么多张随机选取的训练图像训练（相同的随机种子选取相同的图像）。图像越少，每轮越短，适合快速实验，但网络看到的更少，更早过拟合；0 表示全部使用。</translation>
    </message>
    <message>
        <source>Epochs: how many times the network sees every training image. Too few and it has not finished learning (underfitting); too many and the test accuracy stops improving or falls while the training loss keeps going down (overfitting).</source>
        <translation>轮数（epoch，迭代周期）：网络把每张训练图像看多少遍。太少时还没学完（欠拟合）；太多时测试准确率不再提高甚至下降，而训练损失还在下降（过拟合）。</translation>
    </message>
    <message>
        <source>Batch size: how many images are averaged for each step. Larger batches give smoother steps and use the hardware better but make fewer steps per epoch (they may need a larger learning rate); smaller ones are noisier and slower. The arrows double and halve it.</source>
        <translation>批量大小：每一步对多少张图像取平均，即小批量的大小。更大的小批量让每一步更平稳，也更能发挥硬件性能，但每轮的步数更少（可能需要更大的学习率）；更小的则噪声更大、更慢。箭头按钮使它加倍或减半。</translation>
    </message>
    <message>
        <source>How the weights follow the gradient. SGD takes a step against the gradient (with momentum it keeps some of the last step&apos;s direction). Adam adapts the step size per weight and works with little tuning; AdamW is Adam with weight decay done properly.</source>
        <translation>权重如何沿梯度更新。SGD 沿梯度的反方向走一步（带动量时会保留上一步的部分方向）。Adam 为每个权重自适应调整步长，几乎不用调参；AdamW 是正确实现了权重衰减的 Adam。</translation>
    </message>
    <message>
        <source>Learning rate: how big a step the optimizer takes at each batch. Too large and the loss jumps up, becomes NaN or gets stuck at chance; too small and the network learns very slowly. Typical: 0.1–0.01 for SGD, 0.001 for Adam. Type 0.001 or 1e-3; the arrows step 1 → 2 → 5 → 10.</source>
        <translation>学习率：优化器在每个小批量上迈出的步子有多大。太大时损失会跳升、变成 NaN 或卡在随机猜测水平；太小时网络学得非常慢。常用值：SGD 为 0.1–0.01，Adam 为 0.001。可以输入 0.001 或 1e-3；箭头按 1 → 2 → 5 → 10 步进。</translation>
    </message>
    <message>
        <source>Momentum (SGD): how much of the previous step is kept in the next one, like a ball rolling downhill. 0.9 is the usual choice and speeds learning up; 0 is plain SGD as in the book; close to 1 the steps overshoot and oscillate.</source>
        <translation>动量（SGD）：上一步有多少保留到下一步，就像滚下山坡的球。0.9 是常用值，能加快学习；0 就是书中的普通 SGD；接近 1 时步子会冲过头并来回振荡。</translation>
    </message>
    <message>
        <source>Weight decay: a penalty that pulls every weight towards zero at each step, so the network prefers simple solutions and overfits less. Typical 1e-4 to 5e-4; too large and it cannot fit the data at all; 0 turns it off.</source>
        <translation>权重衰减：每一步都把每个权重拉向零的惩罚项，让网络偏好简单的解，减少过拟合。常用 1e-4 到 5e-4；太大时完全无法拟合数据；0 表示关闭。</translation>
    </message>
    <message>
        <source>Learning-rate schedule: how the learning rate changes during the run (drawn on the loss plot). Lowering it late in training lets the network settle into a good minimum; constant keeps the same step size all along.</source>
        <translation>学习率调度：训练过程中学习率如何变化（画在损失图上）。在训练后期降低学习率，能让网络稳定在一个好的极小值；恒定则始终保持相同的步长。</translation>
    </message>
    <message>
        <source>Seed: the starting point of the random numbers (initial weights, batch order, subset, augmentation). The same seed with the same settings gives the same run; change it to see how much the result varies by chance.</source>
        <translation>随机种子：随机数的起点（初始权重、小批量顺序、子集、数据增广）。相同的种子加相同的设置得到相同的训练；改变它可以看到结果因随机性而变化多少。</translation>
    </message>
    <message>
        <source>Device: where the network trains. A GPU (CUDA) is often 10–50× faster than the CPU for the bigger networks; auto uses the GPU when there is one. The CPU is fine for LeNet and the offline samples.</source>
        <translation>设备：网络在哪里训练。对较大的网络，GPU（CUDA）通常比 CPU 快 10–50 倍；“自动”在有 GPU 时使用 GPU。LeNet 和离线样本用 CPU 就够了。</translation>
    </message>
    <message>
        <source>Save the run: keep its settings, metrics and weights after every epoch in a folder of its own (see Help → ConvScope guide for where), to open it later with File → Open run or continue it.</source>
        <translation>保存训练结果：每一轮之后把它的设置、指标和权重保存在它自己的文件夹中（位置见“帮助 → ConvScope 指南”），以后可以用“文件 → 打开训练结果”打开它或继续训练。</translation>
    </message>
    <message>
        <source>{network} has no {option} option (greyed out).</source>
        <translation>{network} 没有“{option}”选项（显示为灰色）。</translation>
    </message>
</context>
<context>
    <name>ViewGroups</name>
    <message>
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Inside</source>
        <translation>网络内部</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>训练结果</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>日志</translation>
    </message>
</context>
</TS>
