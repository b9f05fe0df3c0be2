// Address lines for the synthetic contact generator (generator.ts), and how a clerk re-types one.
// The model is documented in bench/dedupe/README.md. Every pincode has its own few streets,
// localities and buildings (derived from the pincode alone), so contacts at one pincode, namesakes
// included, often share a street and differ in the house number, as neighbours do.
import { Rng, typo } from './rng.js';

const w = (s: string): string[] => s.trim().split(/\s+/).map((x) => x.replace(/_/g, ' '));

const STREETS = w(`Station_Road MG_Road Main_Road Gandhi_Road Nehru_Street Temple_Street Church_Road Market_Road Bazaar_Street
  Mahatma_Gandhi_Road Subhash_Marg Tilak_Road Court_Road Hospital_Road College_Road School_Street Mill_Road Canal_Road
  Ring_Road Link_Road Cross_Road Lake_Road Park_Street Post_Office_Road Bus_Stand_Road Tank_Street Kutcheri_Road
  Sardar_Patel_Road Ambedkar_Road Shivaji_Road Rajaji_Street Netaji_Road Kamaraj_Street Gurudwara_Road Masjid_Road
  Railway_Colony_Road Fort_Road Cantonment_Road Civil_Lines_Road Industrial_Estate_Road`);

const LOCALITIES = w(`Gandhi_Nagar Shivaji_Nagar Nehru_Nagar Indira_Nagar Rajendra_Nagar Laxmi_Nagar Ram_Nagar Krishna_Nagar Sai_Nagar
  Ashok_Nagar Vijay_Nagar Anand_Nagar Shanti_Nagar Tilak_Nagar Patel_Nagar Subhash_Nagar Kamla_Nagar Model_Town
  Civil_Lines Adarsh_Colony Teachers_Colony Railway_Colony Housing_Board_Colony Azad_Colony Vivekanand_Colony
  Sector_12 Sector_4 Sector_21 Phase_2 Old_Town New_Town Bank_Colony Police_Lines Mahaveer_Layout Jayanagar
  Malleshwaram Anna_Nagar Kotturpuram Banjara_Hills Kukatpally Salt_Lake Behala Kothrud Aundh Navrangpura
  Satellite Vastrapur Gomti_Nagar Aliganj Kankarbagh Rajouri_Garden Janakpuri Dwarka Andheri_East Borivali_West`);

const BUILDINGS = w(`Shanti_Apartments Sai_Residency Krishna_Towers Ganga_Apartments Laxmi_Enclave Royal_Residency Green_Park_Apartments
  Sunrise_Apartments Balaji_Heights Shree_Ganesh_Apartments Silver_Oak_Apartments Lotus_Residency Anand_Vihar_Apartments
  Sapphire_Towers Paradise_Apartments Rose_Garden_Apartments Sagar_Complex Om_Sai_Towers Jai_Hind_Apartments
  Vrindavan_Apartments Gokul_Residency Park_View_Apartments Skyline_Towers Palm_Grove_Apartments Blue_Bell_Apartments`);

interface Places {
  streets: string[];
  localities: string[];
  buildings: string[];
}

const PLACES = new Map<string, Places>();

/** The streets, localities and buildings of a pincode: always the same for the same pincode. */
function placesOf(pincode: string): Places {
  let places = PLACES.get(pincode);
  if (places === undefined) {
    const r = new Rng(Number(pincode) * 7919);
    const some = (xs: string[], n: number) => Array.from({ length: n }, () => r.pick(xs));
    places = { streets: some(STREETS, 6), localities: some(LOCALITIES, 4), buildings: some(BUILDINGS, 5) };
    PLACES.set(pincode, places);
  }
  return places;
}

const houseNumber = (r: Rng): string => `${1 + r.int(250)}${r.chance(0.15) ? `/${1 + r.int(9)}` : ''}`;
const flatNumber = (r: Rng): string => `${1 + r.int(12)}0${1 + r.int(8)}`;

/** A home (or, for a corporate, an office) at `pincode`, written out in full. */
export function addressAt(pincode: string, corporate: boolean, r: Rng): string {
  const { streets, localities, buildings } = placesOf(pincode);
  const x = r.next();
  if (corporate) {
    return x < 0.5 ? `Shop ${1 + r.int(40)}, ${r.pick(buildings).replace(/Apartments|Residency|Enclave/, 'Complex')}, ${r.pick(streets)}` : `Plot ${houseNumber(r)}, ${r.pick(localities)} Industrial Area`;
  }
  if (x < 0.45) return `${houseNumber(r)}, ${r.pick(streets)}, ${r.pick(localities)}`;
  if (x < 0.8) return `Flat ${flatNumber(r)}, ${r.pick(buildings)}, ${r.pick(streets)}`;
  return `${houseNumber(r)}, ${r.pick(localities)}`;
}

/** Word ↔ its common abbreviation, as clerks write either. */
const ABBREVIATIONS: [RegExp, string][] = [
  [/\bRoad\b/, 'Rd'],
  [/\bRd\b/, 'Road'],
  [/\bStreet\b/, 'St'],
  [/\bApartments\b/, 'Apts'],
  [/\bNagar\b/, 'Ngr'],
  [/\bColony\b/, 'Col'],
  [/\bSector\b/, 'Sec'],
  [/\bMahatma Gandhi Road\b/, 'MG Road'],
  [/\bMG Road\b/, 'M.G. Road'],
  [/\bResidency\b/, 'Resi'],
];

/** One way a clerk re-types an address: see the table in bench/dedupe/README.md. */
function retype(line: string, r: Rng): string {
  switch (r.weighted([
    { op: 'abbreviate', weight: 35 },
    { op: 'number', weight: 25 },
    { op: 'drop_part', weight: 15 },
    { op: 'typo', weight: 15 },
    { op: 'case', weight: 10 },
  ]).op) {
    case 'abbreviate': {
      const options = ABBREVIATIONS.filter(([re]) => re.test(line));
      if (options.length === 0) return line.replace(/,/g, '');
      const [re, to] = r.pick(options);
      return line.replace(re, to);
    }
    case 'number':
      // "12, Station Road" → "No. 12 Station Road"; "Flat 304, …" → "304 …".
      return line.startsWith('Flat ') ? line.replace(/^Flat (\d+),?/, r.chance(0.5) ? '$1' : 'Flat No. $1') : line.replace(/^([\d/]+),?/, r.pick(['No. $1', 'H.No. $1,', '#$1']));
    case 'drop_part': {
      const parts = line.split(', ');
      return parts.length > 2 ? parts.slice(0, -1).join(', ') : line;
    }
    case 'typo': {
      const words = line.split(' ').map((x, i) => [x, i] as const).filter(([x]) => /^[A-Za-z]{5,}$/.test(x));
      if (words.length === 0) return line;
      const [word, i] = r.pick(words);
      return line.split(' ').map((x, j) => (j === i ? typo(word, r) : x)).join(' ');
    }
    default:
      return r.chance(0.5) ? line.toUpperCase() : line.toLowerCase();
  }
}

/** The same address as another clerk types it: unchanged (15%), one change (60%) or two (25%). */
export function retypedAddress(line: string, r: Rng): string {
  const n = r.chance(0.15) ? 0 : r.chance(0.7) ? 1 : 2;
  let out = line;
  for (let i = 0; i < n; i++) out = retype(out, r);
  return out;
}
