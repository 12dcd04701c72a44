"""The demo cohort's people: its facilitator, and each participant with where they are today
and how they got there (a Plan, which courses.demo.story plays through the services)."""

from dataclasses import dataclass

from accounts.models import OrganisationType

FACILITATOR = ("facilitator@example.org", "Awa Ndiaye", "SN", OrganisationType.NHRI)

PA, MINISTRY, NHRI, NGO = "procurement_agency", "ministry", "nhri", "ngo"
ACADEMIC, BUSINESS, INTERNATIONAL, OTHER = "academic", "business", "international", "other"


@dataclass(frozen=True)
class Plan:
    """How far a participant has come by today, and when. Days count from the cohort's first
    (day 0); module 1 was due on day 14, module 2 is due on day 28; today is day 21."""

    modules: int = 0  # modules done: lessons completed, quiz passed (6: the course)
    lessons: int = 0  # lessons of the next module completed
    opened: bool = False  # then opened the next lesson without completing it
    failed: int = 0  # attempts failed at the next module's quiz (its lessons done)
    in_quiz: bool = False  # an attempt at the next module's quiz in progress now
    first: int = 0  # day of the first session
    last: int = 20  # day of the last session before the nudge (before 13: inactive)
    returns: int = 0  # how many of the last steps come after the facilitator's nudge
    enrolled: int | None = None  # day they enrolled with the key (None: on the upload, day -10)
    extension: bool = False  # a late joiner: the facilitator gave a week more for module 1


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    country: str
    kind: str  # organisation type
    language: str  # preferred language ("": the course's, as for the five named participants)
    plan: Plan


# The five named participants that setup_demo prints, at the stages they have always had.
PARTICIPANTS = [
    Person("amina@example.org", "Amina Diallo", "SN", PA, "",
           Plan()),
    Person("lukasz@example.org", "Łukasz Żółć", "PL", ACADEMIC, "",
           Plan(lessons=2, first=2, last=16)),
    Person("jose@example.org", "José Núñez", "PE", MINISTRY, "",
           Plan(1, 1, first=1, last=20)),
    Person("minh@example.org", "Nguyễn Thị Minh", "VN", NGO, "",
           Plan(3, first=0, last=19)),
    Person("mohammed@example.org", "محمد عبد الله", "JO", NHRI, "",
           Plan(6, first=0, last=15)),
]  # fmt: skip

OTHERS = [
    # Completed, with a certificate
    Person("ousmane.sow@example.org", "Ousmane Sow", "SN", PA, "fr",
           Plan(6, first=0, last=12)),
    Person("chinedu.okafor@example.org", "Chinedu Okafor", "NG", PA, "en",
           Plan(6, first=1, last=17)),
    Person("wanjiru.kamau@example.org", "Wanjiru Kamau", "KE", NHRI, "en",
           Plan(6, first=0, last=10, enrolled=-8)),
    Person("adjoua.koffi@example.org", "Adjoua Marie-Laure Koffi", "CI", MINISTRY, "fr",
           Plan(6, first=1, last=18)),
    Person("maria.quispe@example.org", "María Fernanda Quispe", "PE", PA, "es",
           Plan(6, first=2, last=19, enrolled=-5)),
    Person("andres.gomez@example.org", "Andrés Felipe Gómez", "CO", MINISTRY, "es",
           Plan(6, first=2, last=18, enrolled=-4)),
    Person("priya.raghunathan@example.org", "Priya Raghunathan", "IN", ACADEMIC, "en",
           Plan(6, first=1, last=16, enrolled=-4)),
    Person("soren.kjaergaard@example.org", "Søren Kjærgaard", "DK", NHRI, "en",
           Plan(6, first=0, last=9, enrolled=-12)),
    Person("javier.ortega@example.org", "Javier Ortega Ruiz", "ES", PA, "es",
           Plan(6, first=0, last=15, enrolled=-6)),
    # Nearly done
    Person("kwame.asante@example.org", "Kwame Asante", "GH", PA, "en",
           Plan(4, 3, first=1, last=20)),
    Person("fatou.sarr@example.org", "Fatou Sarr", "SN", MINISTRY, "fr",
           Plan(5, 2, in_quiz=True, first=0, last=21)),
    Person("hauwa.ibrahim@example.org", "Hauwa Ibrahim", "NG", NGO, "en",
           Plan(5, 1, opened=True, first=0, last=11, returns=2)),
    Person("noura.hassan@example.org", "نورا حسن", "EG", ACADEMIC, "ar",
           Plan(5, first=2, last=20, enrolled=-3)),
    Person("guadalupe.hernandez@example.org", "Guadalupe Hernández Ortiz", "MX", NHRI, "es",
           Plan(3, 3, first=1, last=17, enrolled=-7)),
    Person("tran.hung@example.org", "Trần Văn Hùng", "VN", PA, "en",
           Plan(5, 2, failed=1, first=1, last=19, enrolled=-6)),
    Person("claire.dubois@example.org", "Claire Dubois-Lefèvre", "FR", INTERNATIONAL, "fr",
           Plan(3, 4, first=3, last=20, enrolled=-2)),
    Person("mette.sorensen@example.org", "Mette Lund Sørensen", "DK", ACADEMIC, "en",
           Plan(3, 2, first=2, last=19, enrolled=-9)),
    # Half way
    Person("yao.kouadio@example.org", "Yao Kouadio Serge", "CI", PA, "fr",
           Plan(2, 1, first=2, last=19)),
    Person("mariam.kone@example.org", "Mariam Koné", "CI", NGO, "fr",
           Plan(1, 4, failed=1, first=3, last=16)),
    Person("awa.toure@example.org", "Awa Touré", "CI", PA, "fr",
           Plan(1, 2, first=2, last=18, enrolled=-3)),
    Person("emeka.nwachukwu@example.org", "Emeka Nwachukwu", "NG", PA, "en",
           Plan(2, 3, first=1, last=20)),
    Person("adaeze.nwosu@example.org", "Adaeze Nwosu", "NG", MINISTRY, "en",
           Plan(1, 2, first=4, last=12)),
    Person("abena.owusu-ansah@example.org", "Abena Owusu-Ansah", "GH", NHRI, "en",
           Plan(1, first=3, last=9)),
    Person("jean-pierre.mbarga@example.org", "Jean-Pierre Mbarga", "CM", MINISTRY, "fr",
           Plan(1, first=5, last=10)),
    Person("emmanuel.fon@example.org", "Emmanuel Fon", "CM", PA, "en",
           Plan(1, 3, first=2, last=18, enrolled=-1)),
    Person("youssef.elamrani@example.org", "Youssef El Amrani", "MA", MINISTRY, "fr",
           Plan(2, 2, first=3, last=20, enrolled=-5)),
    Person("khadija.aitlahcen@example.org", "خديجة آيت لحسن", "MA", MINISTRY, "ar",
           Plan(1, 1, first=2, last=18, enrolled=-4)),
    Person("ahmed.fouad@example.org", "أحمد فؤاد", "EG", PA, "ar",
           Plan(2, first=1, last=17, enrolled=-4)),
    Person("luz.rodriguez@example.org", "Luz Marina Rodríguez", "CO", NGO, "es",
           Plan(1, 1, first=6, last=12, returns=2, enrolled=-2)),
    Person("rana.alkhatib@example.org", "رنا الخطيب", "JO", INTERNATIONAL, "ar",
           Plan(1, 3, opened=True, first=2, last=19, enrolled=-9)),
    Person("arjun.mehta@example.org", "Arjun Mehta", "IN", OTHER, "en",
           Plan(1, 4, failed=1, first=4, last=18, enrolled=-2)),
    Person("maria.santos@example.org", "Maria Cristina Santos", "PH", PA, "en",
           Plan(1, 4, first=1, last=15, enrolled=-6)),
    Person("mark.delacruz@example.org", "Mark Anthony Dela Cruz", "PH", NGO, "en",
           Plan(1, 2, first=3, last=20, enrolled=-5)),
    Person("rina.kusumawardani@example.org", "Rina Kusumawardani", "ID", NGO, "en",
           Plan(1, 1, opened=True, first=5, last=17, enrolled=-1)),
    Person("lucia.martin@example.org", "Lucía Martín García", "ES", PA, "es",
           Plan(2, 3, first=0, last=20, enrolled=-8)),
    # Early on, behind module 1 (but the late joiners, who were given a week more)
    Person("mamadou.faye@example.org", "Mamadou Lamine Faye", "SN", NGO, "fr",
           Plan(lessons=2, first=8, last=17)),
    Person("aissatou.ba@example.org", "Aïssatou Bâ", "SN", NHRI, "fr",
           Plan(lessons=3, failed=1, first=5, last=19)),
    Person("oluwaseun.adebayo@example.org", "Oluwaseun Adébáyọ̀", "NG", ACADEMIC, "en",
           Plan(lessons=1, first=4, last=6)),
    Person("nadege.ngombock@example.org", "Nadège Ngo Mbock", "CM", NGO, "fr",
           Plan(lessons=2, first=16, last=20, enrolled=15, extension=True)),
    Person("salma.benali@example.org", "سلمى بنعلي", "MA", NGO, "ar",
           Plan(1, first=9, last=11, returns=3, enrolled=2)),
    Person("omar.haddad@example.org", "عمر حداد", "JO", PA, "ar",
           Plan(lessons=1, first=3, last=8, enrolled=-6)),
    Person("diego.ramirez@example.org", "Diego Ramírez", "MX", BUSINESS, "es",
           Plan(opened=True, first=7, last=7, enrolled=3)),
    Person("joao.araujo@example.org", "João Pedro Araújo", "BR", ACADEMIC, "en",
           Plan(lessons=1, first=10, last=15, enrolled=1)),
    Person("siti.rahmawati@example.org", "Siti Rahmawati", "ID", MINISTRY, "en",
           Plan(opened=True, first=20, last=20, enrolled=19, extension=True)),
    Person("agnieszka.wroblewska@example.org", "Agnieszka Wróblewska", "PL", OTHER, "en",
           Plan(opened=True, first=5, last=5, enrolled=-2)),
    # Not started
    Person("jean-baptiste.nguessan@example.org", "Jean-Baptiste N'Guessan", "CI", BUSINESS, "fr",
           Plan()),
    Person("brian.otieno@example.org", "Brian Otieno", "KE", BUSINESS, "en",
           Plan(opened=True, returns=1, enrolled=-3)),
]  # fmt: skip

TIME_ZONES = {
    "SN": "Africa/Dakar", "CI": "Africa/Abidjan", "NG": "Africa/Lagos", "GH": "Africa/Accra",
    "CM": "Africa/Douala", "KE": "Africa/Nairobi", "MA": "Africa/Casablanca",
    "EG": "Africa/Cairo", "JO": "Asia/Amman", "PE": "America/Lima", "CO": "America/Bogota",
    "MX": "America/Mexico_City", "BR": "America/Sao_Paulo", "VN": "Asia/Ho_Chi_Minh",
    "PH": "Asia/Manila", "ID": "Asia/Jakarta", "IN": "Asia/Kolkata", "PL": "Europe/Warsaw",
    "FR": "Europe/Paris", "ES": "Europe/Madrid", "DK": "Europe/Copenhagen",
}  # fmt: skip
