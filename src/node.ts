// adtn/node: the Node.js-only helpers (files, data sets on disk, weights on disk).

export {
  readBytes, loadIdxDataset, loadIdxFolder, loadMnist, mnistLoaderFolder, loadFashionMnist, FASHION_MNIST_FOLDER, loadCifar,
  saveSafetensors, loadSafetensors, saveModel, loadModel,
} from './node/files.js';
