/* msg_zh_records.c - the Chinese of the records engine's error sentences
 * (src/store/reclog.c and where the store uses it), core/msg.h. Each
 * entry: the English printf format exactly as the code writes it, and its
 * Chinese with the same conversions in the same order. */
#include "core/msg.h"

const struct zz_msg zz_msg_zh_records[] = {
    {"the disk is full: the records log cannot grow (%s); nothing of this request was stored",
     "磁盘已满：原始记录日志无法写入（%s）；本次请求的数据均未保存"},
    {"cannot %s the records file %s: %s", "无法对原始记录文件执行%s操作 %s：%s"},
    {"cannot list the records folder %s: %s", "无法列出原始记录目录 %s：%s"},
    {"the records segment %s is damaged or unreadable (%s)",
     "原始记录分段文件 %s 已损坏或无法读取（%s）"},
    {"cannot read the records log %s: %s", "无法读取原始记录日志 %s：%s"},
    {"cannot open the records log %s: %s", "无法打开原始记录日志 %s：%s"},
    {"the records log %s holds %lld bytes where %lld were committed: records are missing",
     "原始记录日志 %s 只有 %lld 字节，而已提交的是 %lld 字节：有记录缺失"},
    {"the records log %s is damaged at byte %lld (committed up to %lld)",
     "原始记录日志 %s 在第 %lld 字节处损坏（已提交至 %lld）"},
    {"cannot create the records folder %s: %s", "无法创建原始记录目录 %s：%s"},
    {"cannot start the records sealer", "无法启动原始记录封存线程"},
    {"the records log %s is not open", "原始记录日志 %s 未打开"},
    {"too many records in one commit", "一次提交的记录过多"},
    {"cannot start a new records log generation", "无法开始新一代原始记录日志"},
    {"cannot list %s: %s", "无法列出 %s：%s"},
    {"the records log moved on during the backup", "备份期间原始记录日志已切换，请重试"},
    {"cannot list %s", "无法登记 %s"},
    {"cannot read where the records log stands in %s", "无法从 %s 读取原始记录日志的位置"},
    {"cannot read the records of series %lld", "无法读取序列 %lld 的原始记录"},
    {"cannot note where the records log ends: %s", "无法记下原始记录日志的结尾位置：%s"},
    {"the rollups stand at generation %lld byte %lld of the records log, which is not within "
     "what was committed (generation %lld, %lld bytes)",
     "汇总数据停在原始记录日志第 %lld 代第 %lld 字节处，不在已提交范围内（第 %lld 代，%lld 字节）"},
    {"the records log of generation %lld is damaged at byte %lld (committed)",
     "第 %lld 代原始记录日志在第 %lld 字节处损坏（已提交部分）"},
    {"cannot note how far the rollups hold the records log",
     "无法记下汇总数据覆盖到原始记录日志的位置"},
    {"the records log names series %lld, which the database does not hold",
     "原始记录日志中有序列 %lld，而数据库中没有该序列"},
    {NULL, NULL},
};
