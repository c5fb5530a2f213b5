"""Every file of the shared corpus (all folders) loads with the right format, epochs and series,
or is rejected with a specific one-line reason. The corpus is read in place, never copied."""

from __future__ import annotations

import pytest

import histplot
from histplot.errors import HistplotError

pytestmark = pytest.mark.corpus

# (path under corpus/, format, epochs, first columns of the frame) or (path, "reject", reason)
CASES = [
    ("custom_csv/QianQing26__MiniViT__train_log.csv", "keras_csv", 50, ['loss', 'accuracy', 'val_loss', 'val_accuracy']),
    ('custom_csv/Venus315__deep-learning-image-classifier__train_log.csv', 'keras_csv', 101, ['loss', 'test_accuracy']),
    ("detectron2/Aaryan004__Pothole_Detection_Model_RCNNs__output_metrics.json", "jsonl", None, ['data_time', 'eta_seconds', 'fast_rcnn/cls_accuracy', 'fast_rcnn/false_negative']),
    ("detectron2/Adityagupta2590__Detection_fish__output_metrics.json", "jsonl", None, ['data_time', 'eta_seconds', 'fast_rcnn/cls_accuracy', 'fast_rcnn/false_negative']),
    ("detectron2/AnabelVazquez__Mask-RCNN_COCO-Database__output_metrics.json", "jsonl", None, ['data_time', 'eta_seconds', 'fast_rcnn/cls_accuracy', 'fast_rcnn/false_negative']),
    ("detectron2/Ghailen-Ben-Achour__detectron2_detection__output_metrics.json", "jsonl", None, ['data_time', 'eta_seconds', 'fast_rcnn/cls_accuracy', 'fast_rcnn/false_negative']),
    ("detectron2/K-Merrick__water-meters__output_metrics.json", "jsonl", None, ['data_time', 'eta_seconds', 'fast_rcnn/cls_accuracy', 'fast_rcnn/false_negative']),
    ("detectron2/KaneLindsay__OrbitalObjectDetector__output_metrics.json", "jsonl", None, ['data_time', 'eta_seconds', 'fast_rcnn/cls_accuracy', 'fast_rcnn/false_negative']),
    ("hf_trainer_state/ByErenOzer__Whisper_Finetune__trainer_state.json", "hf_trainer_state", 2, ['grad_norm', 'learning_rate', 'loss', 'val_loss']),
    ("hf_trainer_state/Dheena731__tinyLlama-finetune__trainer_state.json", "hf_trainer_state", 2, ['grad_norm', 'learning_rate', 'loss', 'mean_token_accuracy']),
    ("hf_trainer_state/Francis-xsc__BERT_Weibo_Rumor__trainer_state.json", "hf_trainer_state", 99, ['learning_rate', 'loss']),
    ("hf_trainer_state/HangerYang__Star__trainer_state.json", "hf_trainer_state", 4, ['grad_norm', 'loss', 'learning_rate', 'accuracy_0']),
    ("hf_trainer_state/HenokB__amharic-to-geez__trainer_state.json", "hf_trainer_state", 1, ['learning_rate', 'loss']),
    ("hf_trainer_state/Jaong__Checkpoint-of-CPT__trainer_state.json", "hf_trainer_state", 10, ['test_gen_len', 'test_loss', 'test_rouge-1', 'test_rouge-2']),
    ("hf_trainer_state/JasonZeng24__HallucinationDetection__trainer_state.json", "hf_trainer_state", 3, ['learning_rate', 'loss', 'val_accuracy', 'val_f1']),
    ("hf_trainer_state/Jimmy-Mendez__canine-model__trainer_state.json", "hf_trainer_state", 5, ['learning_rate', 'loss', 'val_loss']),
    ("hf_trainer_state/KosKis1__LogShort__trainer_state.json", "reject", 'no numeric series found: this does not l'),
    ("hf_trainer_state/Medhajdixit__PRODIGY_GA_01__trainer_state.json", "reject", "'log_history' is empty: the Trainer logg"),
    ("hf_trainer_state/NealKapadia__text-summarizer__trainer_state.json", "hf_trainer_state", 3, ['learning_rate', 'loss']),
    ("hf_trainer_state/O5-7__chat_glm2_in4_LIL_prefix__checkpoint-1000_trainer_state.json", "hf_trainer_state", 1, ['learning_rate', 'loss']),
    ("hf_trainer_state/P4P4N1CK__whisper-large-v2-japanese-5k-steps__trainer_state.json", "hf_trainer_state", 39, ['learning_rate', 'loss', 'val_loss', 'val_wer']),
    ("hf_trainer_state/Ray-Cheng-11__Tau-Bench-Model-Training__trainer_state.json", "hf_trainer_state", 3, ['completion_length', 'completions/clipped_ratio', 'completions/max_length', 'completions/max_terminated_length']),
    ("hf_trainer_state/ShashankBommana__DNABERT-2__trainer_state.json", "hf_trainer_state", 5, ['learning_rate', 'loss', 'val_accuracy', 'val_f1']),
    ("hf_trainer_state/Tanisha-anshu__OpenAi-Whisper-small-Braj__trainer_state.json", "hf_trainer_state", 20, ['grad_norm', 'learning_rate', 'loss', 'val_loss']),
    ("hf_trainer_state/WELCOME-project__disfluency-tool__model_trainer_state.json", "hf_trainer_state", 10, ['learning_rate', 'loss', 'val_bleu', 'val_gen_len']),
    ("hf_trainer_state/aaravarora01__agent-memory-redteam__trainer_state.json", "hf_trainer_state", 2, ['clip_ratio/high_max', 'clip_ratio/high_mean', 'clip_ratio/low_mean', 'clip_ratio/low_min']),
    ("hf_trainer_state/aigoncharov__trainer_state_viz__trainer_state.json", "hf_trainer_state", 30, ['grad_norm', 'learning_rate', 'loss', 'val_g0_accuracy']),
    ("hf_trainer_state/aloshdenny__kevin-token-compressor__trainer_state.json", "hf_trainer_state", 1, ['grad_norm', 'learning_rate', 'loss']),
    ("hf_trainer_state/armenkarakashian__TrOcr-Number-Line-Fraction-Recognition__trainer_state.json", "hf_trainer_state", 14, ['grad_norm', 'learning_rate', 'loss', 'val_loss']),
    ("hf_trainer_state/gilvanveras__marketplace_products__ner_model_trainer_state.json", "hf_trainer_state", 4, ['grad_norm', 'learning_rate', 'loss', 'val_accuracy']),
    ("hf_trainer_state/huyjaky__ocr-models__model_cheeckpoint-80_trainer_state.json", "hf_trainer_state", 1, ['grad_norm', 'learning_rate', 'loss', 'val_loss']),
    ("hf_trainer_state/hyunbool__SummaRuNNer__model_trainer_state.json", "hf_trainer_state", 3, ['learning_rate', 'loss', 'val_loss']),
    ('jsonl/JER-ry__CF-ViT__output_log.txt', 'jsonl', 15, ['learning_rate', 'loss', 'val_96_acc1', 'val_96_acc5']),
    ('jsonl/matteorossil__mae_ssl__evals_core50_a_vitb16_log.txt', 'jsonl', 50, ['learning_rate', 'loss', 'val_loss', 'val_acc1']),
    ("jsonl/rhit-kangd2__detr__output_dir_log.txt", "jsonl", 1, ['learning_rate', 'class_error', 'loss', 'loss_bbox']),
    ("jsonl/sickopickle__BSMAE__output_dir_log.txt", "jsonl", 400, ['learning_rate', 'loss']),
    ("keras_csv/4hmetcakmak__BraTS2020CapstoneProject__training.log", "keras_csv", 24, ['accuracy', 'dice_coef', 'loss', 'learning_rate']),
    ("keras_csv/AKBoles__Voice-Identification__speaker250_training.log", "keras_csv", 50, ['accuracy', 'loss', 'val_accuracy', 'val_loss']),
    ("keras_csv/AbijithT__Lung-Cancer-Detection__training_log.csv", "keras_csv", 10, ['accuracy', 'learning_rate', 'loss', 'val_accuracy']),
    ("keras_csv/Agusbs98__Interface_of_automatic-ecg-diagnosis__training.log", "keras_csv", 70, ['loss', 'learning_rate', 'val_loss']),
    ("keras_csv/AhmedImtiazPrio__heartnetTransfer__training.csv", "keras_csv", 250, ['accuracy', 'loss', 'val_accuracy', 'val_loss']),
    ("keras_csv/AhmedImtiazPrio__irfanet-10__training.log", "keras_csv", 3, ['accuracy', 'loss', 'val_accuracy', 'val_loss']),
    ("keras_csv/AhmedImtiazPrio__irfanet-10__training_logs191017(5).log", "keras_csv", 200, ['accuracy', 'loss', 'val_accuracy', 'val_loss']),
    ("keras_csv/Azihadadi__COVID19_Segmentation__training.csv", "keras_csv", 20, ['dice_coef', 'loss', 'learning_rate', 'val_dice_coef']),
    ("keras_csv/BananaLee__octa-mil-classifier__training.log", "keras_csv", 9, ['accuracy', 'auc', 'f1_metric', 'loss']),
    ("keras_csv/Charlie839242__Unet-CityScapes__training_log.csv", "keras_csv", 1, ['loss', 'accuracy', 'updated_mean_io_u', 'val_loss']),
    ("keras_csv/Deepakkonidala__Early-prediction-of-Alzheimer-s-Disease__training_log.csv", "keras_csv", 1, ['accuracy', 'loss', 'val_accuracy', 'val_loss']),
    ("keras_csv/JessicaFrabotta__real_vs_fake_faces_DCGAN__training.log", "keras_csv", 15, ['accuracy', 'loss', 'learning_rate', 'val_accuracy']),
    ("keras_csv/Younes-Bouchouk__DeepLearningCNN_Traffic-Sign-Classification__train_log.csv", "keras_csv", 10, ['accuracy', 'loss', 'learning_rate', 'val_accuracy']),
    ("keras_csv/dhairyasheelsutar__Food-11-image-classification__logs_inceptionV3_regularize.csv", "keras_csv", 7, ['accuracy', 'loss', 'val_accuracy', 'val_loss']),
    ("keras_csv/dhairyasheelsutar__Food-11-image-classification__logs_inceptionV3_training.csv", "keras_csv", 9, ['accuracy', 'loss', 'val_accuracy', 'val_loss']),
    ("keras_csv/dhairyasheelsutar__Food-11-image-classification__logs_mobilenet_training.csv", "reject", 'empty file'),
    ("keras_json/2303A52442__plant-nutrient-classifier__training_history.json", "keras_json", 9, ['accuracy', 'val_accuracy', 'loss', 'val_loss']),
    ("keras_json/AI-LAB-AGH__PSL-Translator__training_history.json", "keras_json", 10, ['loss', 'accuracy']),
    ("keras_json/AlexMisra1__Coral-Anomaly-Detector__training_history.json", "keras_json", 20, ['loss', 'accuracy', 'val_loss', 'val_accuracy']),
    ("keras_json/AlphaeusNg__Car-Type-Classification-Service__training_history.json", "keras_json", 40, ['accuracy', 'loss', 'top_5_accuracy', 'val_accuracy']),
    ("keras_json/Cass490__Qft-eeg__training_history.json", "keras_json", 150, ['Quantum_QVAE', 'Classical_AE']),
    ("keras_json/DiscreetAI__keras-gpt-2-doublehead__training_history.json", "keras_json", 3, ['loss', 'LMOutput_loss', 'MCOutput_loss', 'LMOutput_perplexity_lm']),
    ("keras_json/EasonLi292__Diffusion_Map_with_SHM__results_training_history.json", "keras_json", 60, ['loss', 'val_loss', 'val_ssim']),
    ("keras_json/ElisettySaiPranathi__Automated-skin-cancer-detection-using-CNN-and-Grad-cam__training_history.json", "keras_json", 10, ['accuracy', 'val_accuracy', 'loss', 'val_loss']),
    ("keras_json/IbrahimEmad11__MammoDetect__training_history.json", "keras_json", 25, ['accuracy', 'loss', 'val_accuracy', 'val_loss']),
    ("keras_json/Inverselyexistent__pneumonia-detection__training_history.json", "keras_json", 10, ['loss', 'accuracy', 'auc', 'val_loss']),
    ("keras_json/IsomorphicAlgo__Natural-Language-Processing-on-Tweets-with-GLOVE-LSTM__training_history.json", "keras_json", 10, ['accuracy', 'loss', 'val_accuracy', 'val_loss']),
    ("keras_json/ItayChabra__StegAnalysis__finetune_history.json", "keras_json", 20, ['accuracy', 'val_accuracy', 'learning_rate']),
    ("keras_json/Lefterismpak__hygd-glaucoma-detection__results_history.json", "keras_json", 8, ['loss', 'val_loss']),
    ("keras_json/Praneet9__Cryptocurrency_Prediction__models_history.json", "keras_json", 100, ['val_loss', 'val_accuracy', 'loss', 'accuracy']),
    ("keras_json/SaschaMet__melanoma-classification__results_history.json", "keras_json", 1, ['loss', 'accuracy', 'auc', 'val_loss']),
    ("keras_json/VivakaNand__Satellite-Imagery-Semantic-Segmentation-U-Net-Model__model_history.json", "keras_json", 20, ['loss', 'accuracy', 'jaccard_coef', 'val_loss']),
    ("keras_json/arvindxsharma__ecg-arrhythmia-1dcnn__results_history.json", "keras_json", 60, ['accuracy', 'loss', 'val_accuracy', 'val_loss']),
    ("keras_json/chicocaine__age-gender-cnn__experiments_exp01_baseline_results.json", "keras_json", 20, ['total', 'age', 'gender', 'val_total']),
    ("keras_json/dhairyasheelsutar__Food-11-image-classification__model_history.json", "reject", 'truncated JSON: Expecting value at line '),
    ("keras_json/tariksetia__QuickDraw__model_history.json", "keras_json", 1000, ['accuracy', 'val_loss', 'loss', 'val_accuracy']),
    ("lightning_csv/0729max0729__PINNforEM__lightning_logs_version_0_metrics.csv", "lightning_csv", 736, ['Conductor_Copper_loss', 'Dielectric_Air_loss', 'initial_phi_port_port1_loss', 'initial_phi_port_port2_loss']),
    ("lightning_csv/ALEGATOR1209__kse-deep-audio-lab2__lightning_logs_version_0_metrics.csv", "lightning_csv", 1, ['val_DiarizationErrorRate', 'val_DiarizationErrorRate/Confusion', 'val_DiarizationErrorRate/DetectionErrorRate', 'val_DiarizationErrorRate/FalseAlarm']),
    ("lightning_csv/AndyC80297__glitch-classification-lightning__lightning_logs_version_0_metrics.csv", "lightning_csv", 2, ['loss', 'val_loss']),
    ("lightning_csv/Awritrojit__AIOPS_learning_mnist__lightning_logs_version_16_metrics.csv", "lightning_csv", 5, ['accuracy', 'loss']),
    ("lightning_csv/CooperBigFoot__CAMELS-CH__lightning_logs_version_1_metrics.csv", "lightning_csv", 4, ['lr-Adam', 'val_loss', 'val_mse', 'loss']),
    ("lightning_csv/ETH-DISCO__self-ensembling__lightning_logs_version_0_metrics.csv", "lightning_csv", 1, ['loss']),
    ("lightning_csv/Eve-ning__opal-v2__lightning_logs_version_0_metrics.csv", "lightning_csv", 8, ['val_rmse_loss', 'lr-Adam', 'nll_loss']),
    ("lightning_csv/FelixSoderstrom__waste-classification-cnn__lightning_logs_version_0_metrics.csv", "lightning_csv", 1, ['test_loss', 'test_accuracy']),
    ("lightning_csv/Goreg12345__nlp2-probing-lms__lightning_logs_version_4_metrics.csv", "lightning_csv", 20, ['loss', 'accuracy']),
    ("lightning_csv/InfectionMedicineProteomics__BINN-fork__lightning_logs_version_84_metrics.csv", "lightning_csv", 2, ['accuracy', 'loss']),
    ("lightning_csv/Jordi6__pytorchLit15min__lightning_logs_version_1_metrics.csv", "lightning_csv", 1, ['loss']),
    ("lightning_csv/JulioContrerasH__eurosat_github__logs_my_model_version_1_metrics.csv", "lightning_csv", 10, ['val_loss']),
    ("lightning_csv/MostafaKhaled2017__fashion-mnist-classification__logs_lightning_logs_version_0_metrics.csv", "lightning_csv", 5, ['val_loss', 'val_accuracy', 'loss']),
    ("lightning_csv/NMVRodrigues__RecSys__lightning_logs_version_0_metrics.csv", "lightning_csv", 65, ['val_loss']),
    ("lightning_csv/deepanshudashora__ERAV1__session13_lightning_version_training_logs_csv_training_logs_lightning_logs_version_0_metrics.csv", "lightning_csv", 40, ['val_loss', 'lr-Adam', 'loss']),
    ("lightning_csv/prithsha__erav2-session13__logs_lightning_logs_version_0_metrics.csv", "lightning_csv", 35, ['val_loss', 'val_accuracy', 'loss', 'accuracy']),
    ("lightning_csv/sankalpjena__GNN-RANS-Flow__logs_csv_logs_version_0_metrics.csv", "lightning_csv", 607, ['val_loss', 'loss']),
    ("lightning_csv/taeefnajib__pytorch-lightning-mnist__logs_lightning_logs_version_10_metrics.csv", "lightning_csv", 3, ['val_loss', 'val_accuracy']),
    ("mlflow/AttentionSeekers__CNNtention__mlruns_998492728198223474_63d2a0913fb8432abd45f92446950e0b_metrics", "mlflow", 182, ['dur', 'err', 'loss', 'val_accuracy']),
    ("mlflow/BozzoloLu__GAN__mlruns_1_e97c553c14fb4a4c8faf67020e2caeea_metrics", "mlflow", 270, ['discriminator_loss', 'generator_loss']),
    ("mlflow/ChallapalliHemanthsaikumar__image-classification-regression-models__notebooks_mlruns_0_f36e1500e91a4ec0a7477f8bd0f85a35_metrics", "mlflow", 25, ['val_loss', 'eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second']),
    ("mlflow/DiegoFabianTondo__DS20_DeepLearning__mlruns_1_8cdd951737d0480bad434f04484d3c8a_metrics", "mlflow", 3, ['loss', 'val_bacc', 'val_loss']),
    ('mlflow/GhadeerElmkaiel__SegFormer__mlruns_1_3c7adce791d244d8bf5779f654f8e2e8_metrics', 'mlflow', None, ['learning_rate', 'momentum', 'decode.acc_seg', 'decode.loss_seg']),
    ('mmengine/kv-chiu__Fruit-Classification__Ballon-Detection_scalars.json', 'jsonl', 131, ['val_coco/bbox_mAP', 'val_coco/bbox_mAP_50', 'val_coco/bbox_mAP_75', 'val_coco/bbox_mAP_s']),
    ('mmengine/kv-chiu__Fruit-Classification__Ear-Keypoints-Detection_logs_mmpose_scalars.json', 'jsonl', 150, ['val_coco/AP', 'val_coco/AP .5', 'val_coco/AP .75', 'val_coco/AP (M)']),
    ('mmengine/kv-chiu__Fruit-Classification__Fruit-Classification_scalars.json', 'jsonl', 100, ['val_accuracy/top1', 'val_accuracy/top5', 'learning_rate', 'data_time']),
    ('mmengine/kv-chiu__Watermelon-Segmentation__scalars.json', 'jsonl', None, ['learning_rate', 'data_time', 'loss', 'decode.loss_ce']),
    ('other/1-off__Yolodog__runs_detect_train_results.csv', 'keras_csv', 3, ['box_loss', 'cls_loss', 'dfl_loss', 'val_precision(B)']),
    ('other/27hrs__YOLOv8__runs_detect_train2_results.csv', 'keras_csv', 704, ['time', 'box_loss', 'cls_loss', 'dfl_loss']),
    ('other/Aman2125__Rooftop-Image-segmentation__training.log', 'reject', 'not a training history in any known form'),
    ('other/AmmarRashed__EmoNetTCN__training.log', 'reject', 'not a training history in any known form'),
    ('other/Dewey-Wang__HEVisum__output_folder_fold1_training_log.csv', 'keras_csv', 24, ['loss', 'val_loss', 'val_spearman', 'learning_rate']),
    ('other/Elbhnasy__Medical_Waste_Detection_Detectron2__output_metrics.json', 'jsonl', None, ['data_time', 'eta_seconds', 'fast_rcnn/cls_accuracy', 'fast_rcnn/false_negative']),
    ('other/Grafit-Kil__helmet-detection-yolov5__runs_train_exp_results.csv', 'keras_csv', 3, ['box_loss', 'obj_loss', 'cls_loss', 'val_precision']),
    ('other/Levi-Magny__Train-Detectron2__output_metrics.json', 'jsonl', None, ['data_time', 'eta_seconds', 'fast_rcnn/cls_accuracy', 'fast_rcnn/false_negative']),
    ('other/asrafulashiq__deit__outputs_log.txt', 'jsonl', 298, ['learning_rate', 'loss', 'val_acc1']),
    ("other/holtin__detr__outputs_log.txt", "jsonl", 300, ['learning_rate', 'class_error', 'loss', 'loss_ce']),
    ("other/matcgoes__fastai-sportsball-classifier__history.csv", "keras_csv", 19, ['loss', 'val_loss', 'val_accuracy', 'time']),
    ("other/nicetea17__CIFAR10-Classifier-AlexNet-and-Resnet18__wandb_latest-run_files_wandb-summary.json", "reject", 'not a training history: no per-epoch lis'),
    ("pickle/GISWLH__Transformer_vs_LSTM__history.pkl", "reject", "pickle refers to '__main__.ETL', which a"),
    ("pickle/HussenYesufAlli__Me-DrugBAN__training_history.pkl", "pickle", 20, ['loss', 'accuracy', 'val_loss', 'val_accuracy']),
    ("pickle/IgorJoaquimn__pix2pix__training_history.pkl", "pickle", 73, ['gen_losses', 'disc_losses', 'val_gen_losses', 'val_rmses']),
    ("pickle/JakeBronkala__SVHNDash__history.pkl", "pickle", 25, ['accuracy', 'loss', 'val_accuracy', 'val_loss']),
    ("pickle/JeffLIrion__udacity_car_nanodegree_project03__history.pickle", "pickle", 20, ['val_loss', 'loss']),
    ("pickle/JessicaFrabotta__real_vs_fake_faces_DCGAN__history.pkl", "pickle", 15, ['loss', 'accuracy', 'val_loss', 'val_accuracy']),
    ("pickle/Kexiii__pytorch-hymenoptera__history.pkl", "pickle", 40, ['accuracy', 'loss', 'val_accuracy', 'val_loss']),
    ("pickle/LostInCode404__nano-gpt__losses.pkl", "pickle", None, ['loss', 'val_loss']),
    ("pickle/NethminE20__Image-InPainting__history.pkl", "pickle", 20, ['conv2d_3_accuracy', 'conv2d_3_loss', 'functional_1_accuracy', 'functional_1_loss']),
    ("pickle/Ronak-F7__CRNN-Captcha-reader__history.pkl", "pickle", 20, ['loss', 'val_loss']),
    ("pickle/VitaliiLakusta__CarND-Behavioral-Cloning__trainHistoryDict", "pickle", 5, ['val_loss', 'loss']),
    ("pickle/dandynaufaldi__Age-Gender-Predictor__history_fold1_p1.dict", "pickle", 100, ['val_loss', 'gender_prediction_loss', 'val_gender_prediction_loss', 'loss']),
    ("pickle/dandynaufaldi__Age-Gender-Predictor__history_fold1_p2.dict", "pickle", 100, ['gender_prediction_acc', 'val_gender_prediction_loss', 'age_prediction_mae', 'age_prediction_loss']),
    ("pickle/fletchersarip93__face-generator__losses.pkl", "pickle", 1345, ['series_1', 'series_2']),
    ("pickle/niedox__emg_DL_interhardware__trainHistoryDict", "pickle", 1, ['loss', 'val_loss', 'learning_rate']),
    ("pickle/niedox__emg_DL_interhardware__trainHistoryDictREM2_6", "pickle", 33, ['loss', 'val_loss', 'learning_rate']),
    ("pickle/saurabh-kumar-vit__alex-net__history.pickle", "pickle", 40, ['loss', 'accuracy', 'learning_rate', 'val_loss']),
    ("pickle/tairtahar__batchnorm__temp_data_trainHistoryDict", "pickle", 10, ['loss', 'accuracy', 'val_loss', 'val_accuracy']),
    ("tensorboard/Aamer98__MedUncertainty__tb_logs_mnist_model_v0_version_3_events.out.tfevents.1729744871.lrl-lozen.ens.ad.etsmtl.ca.2797067.0", "tensorboard", 3, ['val_loss', 'val_accuracy', 'val_f1_score', 'loss']),
    ("tensorboard/AhmedImtiazPrio__irfanet-10__logs221017_events.out.tfevents.1508656074.brain", "tensorboard", 9, ['val_loss', 'val_accuracy', 'loss', 'accuracy']),
    ('tensorboard/Alexandor136__YOLOv11_cls__runs_classify_train3_events.out.tfevents.1733903426.ad-Sablin.30276.1', 'tensorboard', 20, ['loss', 'learning_rate/pg0', 'val_accuracy_top1', 'val_accuracy_top5']),
    ("tensorboard/AndreyPrado__Pronostico_Caudales_Extremos__logs_train_events.out.tfevents.1752818338.ANDREYPRADO.32972.0.v2", "tensorboard", 250, ['loss', 'mae', 'mse', 'learning_rate']),
    ("tensorboard/AndreyPrado__Pronostico_Caudales_Extremos__logs_validation_events.out.tfevents.1752818339.ANDREYPRADO.32972.1.v2", "tensorboard", 250, ['val_loss', 'val_mae', 'val_mse']),
    ("tensorboard/BhushanMalusare__Car-Segmentation-using-YOLOv8__runs_segment_train_events.out.tfevents.1704028631.72b26bb9fa40.601.0", "tensorboard", 10, ['box_loss', 'seg_loss', 'cls_loss', 'dfl_loss']),
    ("tensorboard/CooperBigFoot__CAMELS-CH__lightning_logs_version_140_events.out.tfevents.1740937367.27fb59a262e4.1448.0", "tensorboard", 26, ['lr-Adam', 'loss', 'mse', 'val_loss']),
    ("tensorboard/DarkBenky__Sokoban__logs-LSTM_train_events.out.tfevents.1718619763.user-B450-AORUS-ELITE.12113.0.v2", "tensorboard", 20, ['accuracy', 'loss', 'learning_rate']),
    ("tensorboard/Ghailen-Ben-Achour__detectron2_detection__output_events.out.tfevents.1628430255.db4a6b63f2f6.1641.3", "tensorboard", None, ['rpn/num_pos_anchors', 'rpn/num_neg_anchors', 'roi_head/num_fg_samples', 'roi_head/num_bg_samples']),
    ("tensorboard/brianjsl__ndf_mnist__runs_Mar14_17-20-05_events.out.tfevents.1647292805.7831.0", "tensorboard", 40, ['loss']),
    ("tensorboard/deepanshudashora__ERAV1__session11_runs_Jul26_13-19-03_204cc1a908a5_events.out.tfevents.1690377543.204cc1a908a5.340.0", "tensorboard", 20, ['loss', 'test_loss', 'accuracy', 'test_accuracy']),
    ("tensorboard/deepanshudashora__ERAV1__session13_lightning_version_training_logs_tf_logs_lightning_logs_version_0_events.out.tfevents.1692101514.d2563527d06b.74.0", "tensorboard", 40, ['lr-Adam', 'loss', 'val_loss']),
    ("tensorboard/dhairyasheelsutar__Food-11-image-classification__logs_hparam_tuning_run-0_events.out.tfevents.1591710477.v2", "tensorboard", 1, ['accuracy']),
    ('tensorboard/hrithikacharukula__Chess-Pawn-Detection-using-YOLOv5-__runs_train_exp2_events.out.tfevents.1622907407.4319aacdd242.758.0', 'tensorboard', 300, ['box_loss', 'obj_loss', 'cls_loss', 'val_precision']),
    ("tensorboard/puruarora12__Recycling-Waste-Detection-for-Robotics-Application__runs_train_exp_events.out.tfevents.1709163999.DESKTOP-0I2QJEE.15256.0", "reject", 'no scalar summaries in these event files'),
    ("tensorboard/tariksetia__QuickDraw__logs_MLP_Simple_events.out.tfevents.1563628612.ndi-mb-072", "tensorboard", None, ['accuracy', 'loss']),
    ("torch/JanithaRajapaksha__Fabric-Defect-Detection-Using-Domain_adaption__history.pth", "torch_save", 5, ['series_1', 'series_2', 'series_3', 'series_4']),
    ("torch/Talha-2006__GalaxyClassifier__training_history.pt", "torch_save", 30, ['losses', 'val_losses', 'accs', 'val_accs']),
    ("torch/floregame__PINN_model__train_history.pt", "torch_save", 5000, ['total', 'integral', 'bc']),
    ("torch/iszewczuk__NightSky__history.pth", "torch_save", 10, ['accuracy', 'val_accuracy']),
    ('ultralytics/Alexandor136__YOLOv11_cls__runs_classify_train3_results.csv', 'keras_csv', 20, ['time', 'loss', 'val_accuracy_top1', 'val_accuracy_top5']),
    ("ultralytics/BabyMelvin__yolo_learn__runs_obb_train_results.csv", "keras_csv", 10, ['time', 'box_loss', 'cls_loss', 'dfl_loss']),
    ("ultralytics/BhushanMalusare__Car-Segmentation-using-YOLOv8__runs_segment_train_results.csv", "keras_csv", 10, ['box_loss', 'seg_loss', 'cls_loss', 'dfl_loss']),
    ("ultralytics/DDSSMahith__Pothole-Segmentation-using-YOLOv8__runs_segment_train_results.csv", "keras_csv", 10, ['time', 'box_loss', 'seg_loss', 'cls_loss']),
    ("ultralytics/Jeerrzy__Ultralytics_Train__runs_pose_train_results.csv", "keras_csv", 196, ['box_loss', 'pose_loss', 'kobj_loss', 'cls_loss']),
    ("ultralytics/PolarisYong__Microalgae_Identification_YOLOv11__runs_detect_train_results.csv", "keras_csv", 300, ['time', 'box_loss', 'cls_loss', 'dfl_loss']),
    ("ultralytics/chrismuntean__YOLO11n-pose-hands__runs_pose_train_results.csv", "keras_csv", 100, ['time', 'box_loss', 'pose_loss', 'kobj_loss']),
    ("ultralytics/vbalab__YOLO26m-pose-hands__runs_pose_train_results.csv", "keras_csv", 101, ['time', 'box_loss', 'pose_loss', 'kobj_loss']),
    ('yolov5/LuisFelipe25__training_model__runs_train-cls_exp_results.csv', 'keras_csv', 10, ['loss', 'val_loss', 'val_accuracy_top1', 'val_accuracy_top5']),
    ("yolov5/TituShahoriar__Yolo-v7-custom-data-set__runs_train_exp4_results.txt", "yolo_results_txt", 20, ['gpu_mem', 'box_loss', 'obj_loss', 'cls_loss']),
    ("yolov5/hrithikacharukula__Chess-Pawn-Detection-using-YOLOv5-__runs_train_exp2_results.txt", "yolo_results_txt", 300, ['gpu_mem', 'box_loss', 'obj_loss', 'cls_loss']),
    ("yolov5/puruarora12__Recycling-Waste-Detection-for-Robotics-Application__runs_train-seg_exp_results.csv", "keras_csv", 100, ['box_loss', 'seg_loss', 'obj_loss', 'cls_loss']),
    ('yolov5/tphat0206__eat-lab-dispatch-monitoring-system__runs_train-cls_exp_results.csv', 'keras_csv', 5, ['loss', 'val_loss', 'val_accuracy_top1', 'val_accuracy_top5']),
]


def _param(case):
    if case[1] == "xfail":
        # a history histplot cannot read yet (a format not implemented): the expected epochs are kept
        return pytest.param(case, marks=pytest.mark.xfail(reason=f"not read yet: {case[3]}", strict=True))
    return case


@pytest.mark.parametrize("case", [_param(c) for c in CASES], ids=[c[0].split("/")[-1][:60] for c in CASES])
def test_corpus_file(corpus, case):
    path = corpus / case[0]
    if case[1] == "reject":
        with pytest.raises(HistplotError) as err:
            histplot.load(path)
        assert case[2] in err.value.message
        assert err.value.path and path.name in err.value.path
        return
    _, fmt, epochs, first_columns = case
    h = histplot.load(path)
    assert h.meta["format"] == fmt
    # epochs on the 1-based epoch axis; None where the file has no epoch clock (logged by step only)
    assert histplot.info(h)["epochs"] == epochs
    assert h.epoch_clock == (epochs is not None)
    if epochs is not None:
        assert h.epochs == epochs
    assert list(h.frame.columns)[: len(first_columns)] == first_columns
    assert h.frame.index.name == "epoch" and h.frame.index.min() >= 1


def test_table_covers_every_corpus_entry(corpus):
    on_disk = {p.relative_to(corpus).as_posix() for d in corpus.iterdir() if d.is_dir() for p in d.iterdir()}
    assert on_disk == {c[0] for c in CASES}


def test_spot_values(corpus):
    """A few values checked against the source files by hand."""
    h = histplot.load(corpus / "lightning_csv/AndyC80297__glitch-classification-lightning__lightning_logs_version_0_metrics.csv")
    assert h.frame.loc[1, "loss"] == pytest.approx(0.21007005870342255)
    assert h.frame.loc[2, "val_loss"] == pytest.approx(0.14366206526756287)
    h = histplot.load(corpus / "hf_trainer_state/JasonZeng24__HallucinationDetection__trainer_state.json")
    assert h.meta["best_metric"] == pytest.approx(0.7543859649122806)
    assert h.frame.loc[3, "val_accuracy"] == pytest.approx(0.6197183098591549)
    h = histplot.load(corpus / "pickle/LostInCode404__nano-gpt__losses.pkl")
    assert h.steps.index[:3].tolist() == [0, 99, 199]
    assert h.frame.loc[1, "loss"] == pytest.approx(4.0303, abs=1e-3)
    h = histplot.load(corpus / "other/asrafulashiq__deit__outputs_log.txt")
    assert any("2 runs in one file; kept the last" in w for w in h.meta["warnings"])
    # the resumed run's epoch 0; test_* is DeiT's validation set
    assert h.frame.loc[1, "val_acc1"] == pytest.approx(0.3210631238909259)


@pytest.mark.tensorboard
def test_tensorboard_corpus_pairs_keras_splits(corpus, tmp_path):
    pytest.importorskip("tensorboard")
    run = tmp_path / "logs"
    for split, name in (("train", "logs_train"), ("validation", "logs_validation")):
        src = next((corpus / "tensorboard").glob(f"AndreyPrado*{name}_events*"))
        (run / split).mkdir(parents=True)
        (run / split / src.name.split("__")[-1].split("_", 2)[-1]).symlink_to(src)
    h = histplot.load(run)
    assert h.epochs == 250
    assert {"loss", "val_loss", "mae", "val_mae", "learning_rate"} <= set(h.frame.columns)
