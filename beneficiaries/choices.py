"""Stable codes for the child record. Labels are translated; codes never change."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    UNKNOWN = "U", _("Unknown")


class BirthRegistration(models.TextChoices):
    REGISTERED = "registered", _("Birth registered")
    NOT_REGISTERED = "not_registered", _("Birth not registered")
    UNKNOWN = "unknown", _("Unknown")


class Schooling(models.TextChoices):
    NOT_SCHOOL_AGE = "not_school_age", _("Not yet of school age")
    PRESCHOOL = "preschool", _("Preschool")
    PRIMARY = "primary", _("Primary school")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary school")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary school")
    VOCATIONAL = "vocational", _("Vocational training")
    DROPPED_OUT = "dropped_out", _("Dropped out")
    NOT_ATTENDING = "not_attending", _("Never attended")
    UNKNOWN = "unknown", _("Unknown")


class PovertyStatus(models.TextChoices):
    POOR = "poor", _("Poor household")
    NEAR_POOR = "near_poor", _("Near-poor household")
    NONE = "none", _("Neither poor nor near-poor")


class DisabilityType(models.TextChoices):
    """Law on Persons with Disabilities 2010 art. 3(1)."""

    NONE = "", _("No disability")
    MOBILITY = "mobility", _("Physical / mobility")
    HEARING_SPEECH = "hearing_speech", _("Hearing and speech")
    VISION = "vision", _("Vision")
    MENTAL = "mental", _("Neurological / mental")
    INTELLECTUAL = "intellectual", _("Intellectual")
    OTHER = "other", _("Other")


class DisabilitySeverity(models.TextChoices):
    """Law on Persons with Disabilities 2010 art. 3(2)."""

    NONE = "", _("—")
    EXTREMELY_SEVERE = "extremely_severe", _("Extremely severe")
    SEVERE = "severe", _("Severe")
    MILD = "mild", _("Mild")


class HivStatus(models.TextChoices):
    UNKNOWN = "", _("Not recorded")
    NEGATIVE = "negative", _("Negative")
    AFFECTED = "affected", _("Affected (parent or carer living with HIV)")
    POSITIVE = "positive", _("Living with HIV")


class Relationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    STEPMOTHER = "stepmother", _("Stepmother")
    STEPFATHER = "stepfather", _("Stepfather")
    GRANDMOTHER = "grandmother", _("Grandmother")
    GRANDFATHER = "grandfather", _("Grandfather")
    SIBLING = "sibling", _("Older sibling")
    AUNT_UNCLE = "aunt_uncle", _("Aunt or uncle")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    FOSTER = "foster", _("Foster carer")
    GUARDIAN = "guardian", _("Appointed guardian")
    OTHER = "other", _("Other")


class ConsentPurpose(models.TextChoices):
    SHARING = "sharing", _("Sharing with a partner agency")
    PUBLICATION = "publication", _("Publication (images, stories)")
    PROCESSING = "processing", _("Processing of personal data")


class DeactivationReason(models.TextChoices):
    MOVED_AWAY = "moved_away", _("Moved out of the area")
    DECEASED = "deceased", _("Deceased")
    REGISTERED_IN_ERROR = "error", _("Registered in error")
    MERGED = "merged", _("Merged into another record")
    OTHER = "other", _("Other")


class Ethnicity(models.TextChoices):
    """The 54 ethnic groups of Viet Nam, with the General Statistics Office codes
    (Decision 121-TCTK/PPCĐ, 1979). The names are proper names, the same in both languages."""

    KINH = "01", "Kinh"
    TAY = "02", "Tày"
    THAI = "03", "Thái"
    HOA = "04", "Hoa"
    KHMER = "05", "Khơ-me"
    MUONG = "06", "Mường"
    NUNG = "07", "Nùng"
    HMONG = "08", "Hmông"
    DAO = "09", "Dao"
    GIA_RAI = "10", "Gia-rai"
    NGAI = "11", "Ngái"
    E_DE = "12", "Ê-đê"
    BA_NA = "13", "Ba-na"
    XO_DANG = "14", "Xơ-đăng"
    SAN_CHAY = "15", "Sán Chay"
    CO_HO = "16", "Cơ-ho"
    CHAM = "17", "Chăm"
    SAN_DIU = "18", "Sán Dìu"
    HRE = "19", "Hrê"
    MNONG = "20", "Mnông"
    RA_GLAI = "21", "Ra-glai"
    XTIENG = "22", "Xtiêng"
    BRU_VAN_KIEU = "23", "Bru-Vân Kiều"
    THO = "24", "Thổ"
    GIAY = "25", "Giáy"
    CO_TU = "26", "Cơ-tu"
    GIE_TRIENG = "27", "Gié-Triêng"
    MA = "28", "Mạ"
    KHO_MU = "29", "Khơ-mú"
    CO = "30", "Co"
    TA_OI = "31", "Tà-ôi"
    CHO_RO = "32", "Chơ-ro"
    KHANG = "33", "Kháng"
    XINH_MUN = "34", "Xinh-mun"
    HA_NHI = "35", "Hà Nhì"
    CHU_RU = "36", "Chu-ru"
    LAO = "37", "Lào"
    LA_CHI = "38", "La Chí"
    LA_HA = "39", "La Ha"
    PHU_LA = "40", "Phù Lá"
    LA_HU = "41", "La Hủ"
    LU = "42", "Lự"
    LO_LO = "43", "Lô Lô"
    CHUT = "44", "Chứt"
    MANG = "45", "Mảng"
    PA_THEN = "46", "Pà Thẻn"
    CO_LAO = "47", "Cơ Lao"
    CONG = "48", "Cống"
    BO_Y = "49", "Bố Y"
    SI_LA = "50", "Si La"
    PU_PEO = "51", "Pu Péo"
    BRAU = "52", "Brâu"
    O_DU = "53", "Ơ-đu"
    RO_MAM = "54", "Rơ-măm"
    FOREIGN = "55", _("Foreign national")
    UNKNOWN = "99", _("Unknown")
